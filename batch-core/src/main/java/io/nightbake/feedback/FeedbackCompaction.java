package io.nightbake.feedback;

import io.nightbake.NightbakeProperties;
import io.nightbake.retrain.data.FeedbackFiles;
import io.nightbake.tenant.TenantId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * The nightly step that moves accepted events from the database into per-tenant, per-day Parquet
 * ({@code <tenant>/feedback/date=YYYY-MM-DD/part-<firstId>-<lastId>.parquet}): every event dated before the end of the
 * run date, in chunks; a chunk's rows are deleted only after its files are durable. Then it recomputes the daily
 * performance counts of every day it touched from that day's files (so a crash between file and delete, which leaves
 * an event in a file and in the database, never counts it twice: readers drop repeated event ids), forgets
 * idempotency keys older than the window, and deletes feedback days beyond the retention. A tenant whose compaction
 * fails is logged and left for the next night; the others go on.
 */
@Service
public class FeedbackCompaction {

    private static final Logger log = LoggerFactory.getLogger(FeedbackCompaction.class);
    private static final int CHUNK = 50_000;

    private final EventStore store;
    private final NightbakeProperties properties;
    private final FeedbackSettings settings;
    private final Clock clock;

    public FeedbackCompaction(EventStore store, NightbakeProperties properties, FeedbackSettings settings, Clock clock) {
        this.store = store;
        this.properties = properties;
        this.settings = settings;
        this.clock = clock;
    }

    public record Summary(int tenants, long events, List<String> failures) {
    }

    public Summary compact(LocalDate runDate) {
        Instant cutoff = runDate.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        long events = 0;
        List<TenantId> tenants = store.tenantsWithPendingEvents();
        List<String> failures = new ArrayList<>();
        for (TenantId tenant : tenants) {
            try {
                events += compactTenant(tenant, cutoff);
            } catch (RuntimeException e) {
                failures.add(tenant + ": " + e.getMessage());
                log.error("feedback compaction of tenant {} failed; its events stay in the database: {}", tenant, e.getMessage());
            }
        }
        int pruned = store.pruneKeys(clock.instant().minus(settings.idempotencyWindow()));
        applyRetention(runDate);
        log.info("feedback: compacted {} events of {} tenants into Parquet; forgot {} idempotency keys", events,
                tenants.size(), pruned);
        return new Summary(tenants.size(), events, failures);
    }

    private long compactTenant(TenantId tenant, Instant cutoff) {
        Path tenantDir = properties.tenantsDir().resolve(tenant.value());
        TreeSet<LocalDate> touched = new TreeSet<>();
        long afterId = 0;
        long total = 0;
        while (true) {
            List<EventStore.StoredEvent> chunk = store.pending(tenant, cutoff, afterId, CHUNK);
            if (chunk.isEmpty()) {
                break;
            }
            Map<LocalDate, List<EventStore.StoredEvent>> byDay = new TreeMap<>();
            for (EventStore.StoredEvent e : chunk) {
                byDay.computeIfAbsent(e.event().time().atZone(ZoneOffset.UTC).toLocalDate(), d -> new ArrayList<>()).add(e);
            }
            for (Map.Entry<LocalDate, List<EventStore.StoredEvent>> day : byDay.entrySet()) {
                List<EventStore.StoredEvent> rows = day.getValue();
                // row ids are unique, so the name is too; a rerun after a crash writes a new name, readers dedupe
                String part = String.format("part-%012d-%012d.parquet", rows.get(0).id(), rows.get(rows.size() - 1).id());
                FeedbackFiles.write(tenantDir, day.getKey(), part,
                        rows.stream().map(e -> new FeedbackFiles.Row(e.event(), e.receivedAt())).toList());
                touched.add(day.getKey());
            }
            store.delete(chunk.stream().map(EventStore.StoredEvent::id).toList());
            afterId = chunk.get(chunk.size() - 1).id();
            total += chunk.size();
        }
        for (LocalDate day : touched) {
            store.replaceDaily(tenant, day, dailyCounts(tenant, day, FeedbackFiles.readDay(tenant, tenantDir, day)));
        }
        return total;
    }

    /** Counts per attribution (snapshot, model version, arm) of one day's events; unattributed ones under ''/-1/''. */
    static List<EventStore.DailyCounts> dailyCounts(TenantId tenant, LocalDate day, List<FeedbackFiles.Record> records) {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, String[]> keys = new HashMap<>();
        for (FeedbackFiles.Record r : records) {
            String snapshot = "";
            int version = -1;
            String arm = "";
            if (r.event().recommendationId() != null) {
                RecommendationId id = RecommendationId.parse(r.event().recommendationId());
                snapshot = id.snapshotId();
                version = (int) id.modelVersion();
                arm = id.arm();
            }
            String key = snapshot + "|" + version + "|" + arm;
            keys.putIfAbsent(key, new String[] {snapshot, Integer.toString(version), arm});
            long[] c = counts.computeIfAbsent(key, k -> new long[4]);
            c[r.event().type().ordinal()]++;
        }
        List<EventStore.DailyCounts> result = new ArrayList<>();
        counts.forEach((key, c) -> {
            String[] k = keys.get(key);
            result.add(new EventStore.DailyCounts(tenant, day, k[0], Integer.parseInt(k[1]), k[2],
                    c[FeedbackEventType.IMPRESSION.ordinal()], c[FeedbackEventType.CLICK.ordinal()],
                    c[FeedbackEventType.PURCHASE.ordinal()], c[FeedbackEventType.RATING.ordinal()]));
        });
        return result;
    }

    /** Deletes each tenant's feedback days older than the retention (counted back from the run date). */
    private void applyRetention(LocalDate runDate) {
        LocalDate oldestKept = runDate.minusDays(settings.retentionDays() - 1L);
        Path tenantsDir = properties.tenantsDir();
        if (!Files.isDirectory(tenantsDir)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(tenantsDir)) {
            for (Path tenantDir : dirs.toList()) {
                for (LocalDate day : FeedbackFiles.days(tenantDir)) {
                    if (day.isBefore(oldestKept)) {
                        deleteTree(FeedbackFiles.dayFolder(tenantDir, day));
                        log.info("feedback retention: deleted {} ({} days kept)", FeedbackFiles.dayFolder(tenantDir, day),
                                settings.retentionDays());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot apply feedback retention under " + tenantsDir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
