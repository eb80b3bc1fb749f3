package io.nightbake.feedback;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.synthetic.FleetSpec;
import io.nightbake.retrain.synthetic.SyntheticFleetGenerator;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.springframework.stereotype.Service;

/**
 * Simulates the salespeople of a synthetic fleet using the published lists: every day, a number of sessions per
 * tenant, each showing one customer's list (impressions); the customer clicks a product with a probability that
 * grows with the preference the generator planted ({@link SyntheticFleetGenerator.Planted#affinity}) and falls with
 * the position, and buys some of the clicked products (a ratings tenant's customer also rates what it bought, with
 * the planted rating). A model that learned the planted preferences therefore earns more clicks than one that did
 * not. Seeded and deterministic: the same seed, fleet and lists give the same events (and event ids, so a repeated
 * run is absorbed by idempotency). Events go through the same service as the events API.
 */
@Service
public class FeedbackSimulator {

    private static final int BATCH = 500;

    private final ServingService serving;
    private final EventIngestService ingest;

    public FeedbackSimulator(ServingService serving, EventIngestService ingest) {
        this.serving = serving;
        this.ingest = ingest;
    }

    public record TenantSummary(String tenant, int modelVersion, long impressions, long clicks, long purchases,
                                long accepted, long duplicates) {
        public double ctr() {
            return impressions == 0 ? 0 : clicks / (double) impressions;
        }
    }

    /** Simulates days {@code from..to} for every served tenant of the fleet {@code spec} describes. */
    public List<TenantSummary> simulate(FleetSpec spec, LocalDate from, LocalDate to, long seed, int sessionsPerDay,
                                        int listLength) {
        SyntheticFleetGenerator generator = new SyntheticFleetGenerator();
        List<TenantSummary> summaries = new ArrayList<>();
        List<String> tenants = new ArrayList<>(serving.index().tenants());
        tenants.sort(null);
        for (String tenant : tenants) {
            int number = tenantNumber(tenant, spec);
            TenantSnapshotIndex index = serving.index().get(tenant);
            if (number < 0 || index == null || index.customerCount() == 0) {
                continue;
            }
            SyntheticFleetGenerator.Planted planted = generator.planted(spec, number);
            summaries.add(simulateTenant(TenantId.of(tenant), number, index, planted, from, to, seed, sessionsPerDay,
                    listLength));
        }
        return summaries;
    }

    private TenantSummary simulateTenant(TenantId tenant, int number, TenantSnapshotIndex index,
                                         SyntheticFleetGenerator.Planted planted, LocalDate from, LocalDate to, long seed,
                                         int sessionsPerDay, int listLength) {
        TenantDataset data = planted.data();
        boolean ratings = data.eventTypes().equals(List.of(SyntheticFleetGenerator.EVENT_TYPE));
        String recommendationId = new RecommendationId(tenant, index.snapshotId(), Math.max(0, index.modelVersion()),
                RecommendationId.CHAMPION).toString();
        long impressions = 0;
        long clicks = 0;
        long purchases = 0;
        long accepted = 0;
        long duplicates = 0;
        List<FeedbackEvent> batch = new ArrayList<>(BATCH + 16);
        for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
            SplittableRandom rng = new SplittableRandom(seed * 1_000_003L + number * 7_919L + day.toEpochDay());
            Instant dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant();
            for (int session = 0; session < sessionsPerDay; session++) {
                String customerId = index.customerIdAt(rng.nextInt(index.customerCount()));
                int customer = data.customerIndex(customerId);
                TenantSnapshotIndex.Lookup list = index.lookup(customerId, listLength);
                Instant shown = dayStart.plusSeconds(rng.nextLong(86_000L));
                String prefix = "sim" + seed + "-" + day + "-" + session + "-";
                for (int i = 0; i < list.size(); i++) {
                    int rank = i + 1;
                    String productId = list.productId(i);
                    batch.add(new FeedbackEvent(prefix + rank + "-i", customerId, productId, FeedbackEventType.IMPRESSION,
                            null, shown, recommendationId, rank));
                    impressions++;
                    int product = data.productIndex(productId);
                    if (customer < 0 || product < 0) {
                        continue;
                    }
                    double affinity = planted.affinity(customer, product);
                    double pClick = sigmoid(2.0 * affinity - 2.5) / log2(rank + 1);
                    if (rng.nextDouble() < pClick) {
                        clicks++;
                        batch.add(new FeedbackEvent(prefix + rank + "-c", customerId, productId, FeedbackEventType.CLICK,
                                null, shown.plusSeconds(5 + rank), recommendationId, rank));
                        if (rng.nextDouble() < 0.3 * sigmoid(2.0 * affinity - 1.0)) {
                            purchases++;
                            Instant bought = shown.plusSeconds(60 + rank);
                            batch.add(new FeedbackEvent(prefix + rank + "-p", customerId, productId,
                                    FeedbackEventType.PURCHASE, 1.0, bought, recommendationId, rank));
                            if (ratings) {
                                batch.add(new FeedbackEvent(prefix + rank + "-r", customerId, productId,
                                        FeedbackEventType.RATING, planted.rating(customer, product), bought.plusSeconds(60),
                                        recommendationId, rank));
                            }
                        }
                    }
                }
                if (batch.size() >= BATCH) {
                    EventIngestService.Result r = ingest.ingestValidated(tenant, batch);
                    accepted += r.accepted();
                    duplicates += r.duplicates();
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            EventIngestService.Result r = ingest.ingestValidated(tenant, batch);
            accepted += r.accepted();
            duplicates += r.duplicates();
        }
        return new TenantSummary(tenant.value(), index.modelVersion(), impressions, clicks, purchases, accepted, duplicates);
    }

    private static int tenantNumber(String tenant, FleetSpec spec) {
        if (!tenant.matches("tenant-\\d{3,}")) {
            return -1;
        }
        int number = Integer.parseInt(tenant.substring(7));
        return number >= 1 && number <= spec.tenants() ? number : -1;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
