package io.nightbake.feedback;

import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.model.ServedRanking;
import io.nightbake.retrain.pipeline.PopularityBaseline;
import io.nightbake.model.RankingMetrics;
import io.nightbake.tenant.TenantId;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;

/**
 * Online performance of a tenant's lists per day and attribution (snapshot, model version, arm) and per model
 * version over a date range, from the nightly daily counts, next to each version's offline figures. Events without
 * a recommendationId are not attributed to any list and are left out here.
 */
@Service
public class PerformanceService {

    private final EventStore store;
    private final ModelRegistry models;

    public PerformanceService(EventStore store, ModelRegistry models) {
        this.store = store;
        this.models = models;
    }

    public record Day(LocalDate date, int modelVersion, String snapshotId, String arm, long impressions, long clicks,
                      long purchases, double ctr, double ctrLow, double ctrHigh, double conversion, double conversionLow,
                      double conversionHigh) {
    }

    /**
     * @param algorithm the version's trainer
     * @param ranking   what its published lists were ordered by (issue 9's served ranking: {@code popularity} when the
     *                  ranking guard found no model ranking better than the popularity lists), null when not recorded
     */
    public record Version(int modelVersion, String algorithm, String ranking, long impressions, long clicks, long purchases, double ctr,
                          double ctrLow, double ctrHigh, double conversion, double conversionLow, double conversionHigh,
                          Double rmse, Double ndcgAt10, Double popularityNdcgAt10) {
    }

    public record Performance(String tenant, LocalDate from, LocalDate to, List<Day> days, List<Version> versions) {
    }

    public Performance of(TenantId tenant, LocalDate from, LocalDate to) {
        List<EventStore.DailyCounts> counts = store.daily(tenant, from, to).stream()
                .filter(c -> c.modelVersion() >= 0).toList();
        List<Day> days = new ArrayList<>();
        Map<Integer, long[]> byVersion = new TreeMap<>();
        for (EventStore.DailyCounts c : counts) {
            double[] ctr = Wilson.interval(c.clicks(), c.impressions());
            double[] conversion = Wilson.interval(c.purchases(), c.impressions());
            days.add(new Day(c.date(), c.modelVersion(), c.snapshotId(), c.arm(), c.impressions(), c.clicks(), c.purchases(),
                    rate(c.clicks(), c.impressions()), ctr[0], ctr[1], rate(c.purchases(), c.impressions()), conversion[0],
                    conversion[1]));
            long[] v = byVersion.computeIfAbsent(c.modelVersion(), k -> new long[3]);
            v[0] += c.impressions();
            v[1] += c.clicks();
            v[2] += c.purchases();
        }
        Map<Integer, ModelVersion> registered = models.versions(tenant).stream()
                .collect(Collectors.toMap(ModelVersion::version, Function.identity(), (a, b) -> a));
        List<Version> versions = new ArrayList<>();
        byVersion.forEach((version, v) -> {
            ModelVersion m = registered.get(version);
            double[] ctr = Wilson.interval(v[1], v[0]);
            double[] conversion = Wilson.interval(v[2], v[0]);
            String ranking = version == 0 ? PopularityBaseline.ALGORITHM
                    : models.servedRanking(tenant, version).map(ServedRanking::ranking).orElse(null);
            versions.add(new Version(version, m == null ? (version == 0 ? "popularity" : null) : m.algorithm(), ranking,
                    v[0], v[1],
                    v[2], rate(v[1], v[0]), ctr[0], ctr[1], rate(v[2], v[0]), conversion[0], conversion[1],
                    m == null ? null : m.challengerRmse(), m == null ? null : ndcg(m.ranking()),
                    m == null ? null : ndcg(m.popularityRanking())));
        });
        return new Performance(tenant.value(), from, to, days, versions);
    }

    /**
     * Where a version's lists came from, for the trained-vs-popularity split: {@code popularity} for the popularity
     * baseline and for a version whose ranking guard published the popularity lists, else its trainer.
     */
    static String listsFrom(ModelRegistry models, TenantId tenant, int version) {
        boolean popularityLists = models.servedRanking(tenant, version)
                .map(s -> PopularityBaseline.ALGORITHM.equals(s.ranking())).orElse(false);
        return popularityLists ? PopularityBaseline.ALGORITHM
                : models.find(tenant, version).map(ModelVersion::algorithm).orElse("");
    }

    static double rate(long k, long n) {
        return n <= 0 ? 0 : k / (double) n;
    }

    private static Double ndcg(RankingMetrics metrics) {
        return metrics == null ? null : metrics.ndcg();
    }
}
