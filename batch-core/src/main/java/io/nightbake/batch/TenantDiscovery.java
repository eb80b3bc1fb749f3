package io.nightbake.batch;

import io.nightbake.NightbakeProperties;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import io.nightbake.tenant.TenantState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Registers, as ON, every tenant folder under the tenants directory that the registry does not know yet. */
@Component
public class TenantDiscovery {

    private static final Logger log = LoggerFactory.getLogger(TenantDiscovery.class);

    private final TenantRegistry tenants;
    private final NightbakeProperties properties;

    public TenantDiscovery(TenantRegistry tenants, NightbakeProperties properties) {
        this.tenants = tenants;
        this.properties = properties;
    }

    /** Valid tenant folders the registry does not know yet (what the next night registers); changes nothing. */
    public List<TenantId> newFolders() {
        Path dir = properties.tenantsDir();
        List<TenantId> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (Stream<Path> folders = Files.list(dir)) {
            for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
                String name = folder.getFileName().toString();
                if (TenantId.isValid(name) && tenants.find(TenantId.of(name)).isEmpty()) {
                    found.add(TenantId.of(name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list tenants folder " + dir + ": " + e.getMessage(), e);
        }
        return found;
    }

    public List<TenantId> registerNewTenants() {
        Path dir = properties.tenantsDir();
        List<TenantId> added = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            log.warn("no tenants folder at {}", dir.toAbsolutePath());
            return added;
        }
        try (Stream<Path> folders = Files.list(dir)) {
            for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
                String name = folder.getFileName().toString();
                if (!TenantId.isValid(name)) {
                    log.warn("ignoring folder '{}' in {}: not a valid tenant id ([a-z0-9][a-z0-9_-]{{0,62}})", name, dir);
                    continue;
                }
                TenantId id = TenantId.of(name);
                if (tenants.find(id).isEmpty()) {
                    tenants.register(id, TenantState.ON, "discovery", "data folder found at " + folder.toAbsolutePath());
                    added.add(id);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list tenants folder " + dir + ": " + e.getMessage(), e);
        }
        if (!added.isEmpty()) {
            log.info("registered {} new tenants as ON", added.size());
        }
        return added;
    }
}
