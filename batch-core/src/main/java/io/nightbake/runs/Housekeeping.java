package io.nightbake.runs;

import io.nightbake.NightbakeProperties;
import io.nightbake.control.ControlService;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.tenant.Tenant;
import io.nightbake.tenant.TenantRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * After every night: the files of model versions that never served (rejected, or recorded while the champion was
 * pinned) are deleted beyond the newest {@code nightbake.retention.unpromoted-models} per tenant (their registry rows
 * stay: lineage and figures are the audit trail; a pin refuses a version without files); so are the baseline arm's
 * per-night model folders beyond the newest {@code nightbake.retention.baseline-models} (an experiment writes one a
 * night; a rerun of an older night fits its own again); and empty staging folders are removed. The champion's files
 * are never touched.
 */
@Component
public class Housekeeping implements JobExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    private final TenantRegistry tenants;
    private final ModelRegistry models;
    private final NightbakeProperties properties;
    private final int keepUnpromoted;
    private final int keepBaselines;

    public Housekeeping(TenantRegistry tenants, ModelRegistry models, NightbakeProperties properties,
                        @Value("${nightbake.retention.unpromoted-models:3}") int keepUnpromoted,
                        @Value("${nightbake.retention.baseline-models:2}") int keepBaselines) {
        this.tenants = tenants;
        this.models = models;
        this.properties = properties;
        this.keepUnpromoted = Math.max(0, keepUnpromoted);
        this.keepBaselines = Math.max(1, keepBaselines); // tonight's lists came from the newest
    }

    @Override
    public void afterJob(JobExecution execution) {
        try {
            clean();
        } catch (RuntimeException e) {
            log.warn("housekeeping after the night failed (it is retried after the next one): {}", e.getMessage());
        }
    }

    /** Returns how many model folders were deleted. */
    public int clean() {
        int deleted = 0;
        for (Tenant tenant : tenants.list()) {
            Optional<Integer> champion = models.champion(tenant.id()).map(ModelVersion::version);
            List<ModelVersion> unpromoted = models.versions(tenant.id()).stream()
                    .filter(v -> !v.promoted() && champion.map(c -> c != v.version()).orElse(true))
                    .sorted(Comparator.comparingInt(ModelVersion::version).reversed()).toList();
            for (ModelVersion old : unpromoted.stream().skip(keepUnpromoted).toList()) {
                Path dir = Path.of(old.artifactPath());
                if (Files.isDirectory(dir) && dir.toAbsolutePath().normalize().startsWith(properties.modelsDir().toAbsolutePath().normalize())) {
                    deleteTree(dir);
                    deleted++;
                }
            }
            deleted += cleanBaselines(properties.modelsDir().resolve(tenant.id().value()));
        }
        removeEmptyFolders(properties.stagingDir());
        if (deleted > 0) {
            log.info("housekeeping: deleted {} model folders of unpromoted versions (their records stay) and older "
                    + "baseline arms", deleted);
        }
        return deleted;
    }

    /** Deletes the tenant's baseline-arm folders beyond the newest {@code keepBaselines} (the names sort by date). */
    private int cleanBaselines(Path tenantModels) {
        if (!Files.isDirectory(tenantModels)) {
            return 0;
        }
        List<Path> baselines;
        try (Stream<Path> entries = Files.list(tenantModels)) {
            baselines = entries.filter(p -> p.getFileName().toString().startsWith(ControlService.BASELINE_FOLDER_PREFIX))
                    .filter(Files::isDirectory)
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            log.warn("housekeeping: cannot list {}: {}", tenantModels, e.getMessage());
            return 0;
        }
        List<Path> old = baselines.stream().skip(keepBaselines).toList();
        old.forEach(Housekeeping::deleteTree);
        return old.size();
    }

    /** Deletes the empty folders under {@code root} (not root itself), deepest first. */
    static void removeEmptyFolders(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path dir : walk.filter(Files::isDirectory).filter(d -> !d.equals(root))
                    .sorted(Comparator.reverseOrder()).toList()) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isEmpty()) {
                        Files.delete(dir);
                    }
                }
            }
        } catch (IOException e) {
            log.warn("housekeeping: cannot clean {}: {}", root, e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            log.warn("housekeeping: cannot delete {}: {}", dir, e.getMessage());
        }
    }
}
