package io.nightbake.access;

import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The active API keys, in memory, so that checking a request's key never touches the database. Loaded at start-up,
 * reloaded every {@code nightbake.security.refresh-millis} (keys created or revoked by another process, e.g. the
 * CLI) and at once when this process creates or revokes one ({@link #refresh()}).
 *
 * <p>Keys are indexed by their public id; the presented key's SHA-256 is then compared with the stored hash in
 * constant time ({@link MessageDigest#isEqual}), so response times say nothing about how much of a guess was right.
 * Each reload builds a new immutable map and swaps it in whole: a request sees the old set of keys or the new one,
 * and a revoked key disappears in the same step as the others are reloaded.
 */
@Component
@ConditionalOnWebApplication // only a process that answers HTTP checks keys (not the CLI's short-lived contexts)
public class ActiveApiKeys implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ActiveApiKeys.class);

    private record Entry(byte[] hash, ApiPrincipal principal) {
    }

    private final ApiKeyRegistry registry;
    private final boolean enabled;
    private volatile Map<String, Entry> byPublicId = Map.of();
    private volatile boolean loaded;

    public ActiveApiKeys(ApiKeyRegistry registry, @Value("${nightbake.security.enabled:true}") boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
    }

    /** After every singleton (the Flyway migration included) and before the web server takes requests. */
    @Override
    public void afterSingletonsInstantiated() {
        if (enabled) {
            refresh();
        }
    }

    /** The principal of an active key, or empty for anything else (malformed, unknown, revoked). */
    public Optional<ApiPrincipal> authenticate(String presented) {
        Optional<String> publicId = ApiKeyRegistry.publicIdOf(presented);
        if (publicId.isEmpty()) {
            return Optional.empty();
        }
        if (!loaded) {
            refresh();
        }
        Entry entry = byPublicId.get(publicId.get());
        if (entry == null || !MessageDigest.isEqual(entry.hash(), ApiKeyRegistry.sha256(presented))) {
            return Optional.empty();
        }
        return Optional.of(entry.principal());
    }

    /** Reloads the active keys; on a database error the keys loaded last stay in force. */
    @Scheduled(fixedDelayString = "${nightbake.security.refresh-millis:5000}")
    public synchronized void refresh() {
        if (!enabled) {
            return;
        }
        try {
            Map<String, Entry> next = new HashMap<>();
            for (ApiKeyRegistry.HashedKey stored : registry.activeKeys()) {
                ApiKey key = stored.key();
                next.put(key.publicId(), new Entry(HexFormat.of().parseHex(stored.keyHash()), new ApiPrincipal(key.name(),
                        key.role(), key.tenant() == null ? null : key.tenant().value(), key.publicId())));
            }
            int before = byPublicId.size();
            byPublicId = Map.copyOf(next);
            if (!loaded || before != next.size()) {
                log.info("{} active API keys", next.size());
            }
            loaded = true;
        } catch (RuntimeException e) {
            log.error("cannot reload the API keys; the {} loaded last stay in force: {}", byPublicId.size(), e.getMessage());
        }
    }

    /** Whether the keys have been loaded once (a fresh database has no table for them until Flyway ran). */
    public boolean loaded() {
        return loaded;
    }

    public int size() {
        return byPublicId.size();
    }
}
