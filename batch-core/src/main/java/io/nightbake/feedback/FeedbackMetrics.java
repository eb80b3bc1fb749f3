package io.nightbake.feedback;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.nightbake.model.ModelRegistry;
import io.nightbake.model.ModelVersion;
import io.nightbake.retrain.pipeline.PopularityBaseline;
import io.nightbake.tenant.TenantState;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * Prometheus gauges of the fleet, and the {@code feedback} health indicator:
 * {@code nightbake_tenants{state}}, {@code nightbake_fleet_ctr} and {@code nightbake_fleet_conversion} (the 7 days
 * up to the latest day with compacted feedback) and {@code nightbake_model_ctr{model=trained|popularity}} (the 28
 * days up to that day, split by whether the list came from a trained model or the popularity baseline, which also serves a trained
 * version's lists when the ranking guard found none of its rankings better). The health turns to
 * {@code WARNING} (HTTP 200; lookups are fine) with the fleet health's warnings as details.
 */
@Component("feedback")
public class FeedbackMetrics implements HealthIndicator {

    public static final Status WARNING = new Status("WARNING", "the fleet's online figures need attention");
    private static final Duration CACHE = Duration.ofSeconds(10);
    private static final int FLEET_DAYS = 7;
    private static final int MODEL_DAYS = 28;

    private final EventStore store;
    private final FleetHealthService fleet;
    private final ModelRegistry models;
    private volatile Window window;

    private record Window(Instant at, double ctr, double conversion, double trainedCtr, double popularityCtr) {
    }

    public FeedbackMetrics(MeterRegistry registry, EventStore store, FleetHealthService fleet, ModelRegistry models) {
        this.store = store;
        this.fleet = fleet;
        this.models = models;
        for (TenantState state : TenantState.values()) {
            Gauge.builder("nightbake.tenants", fleet, f -> f.tenantsByState().get(state)).tag("state", state.name())
                    .description("tenants per state").register(registry);
        }
        Gauge.builder("nightbake.fleet.ctr", this, m -> m.window().ctr())
                .description("clicks per impression over the fleet, the 7 days up to the latest compacted day").register(registry);
        Gauge.builder("nightbake.fleet.conversion", this, m -> m.window().conversion())
                .description("purchases per impression over the fleet, same window").register(registry);
        Gauge.builder("nightbake.model.ctr", this, m -> m.window().trainedCtr()).tag("model", "trained")
                .description("CTR of lists from trained models, the 28 days up to the latest compacted day").register(registry);
        Gauge.builder("nightbake.model.ctr", this, m -> m.window().popularityCtr()).tag("model", "popularity")
                .description("CTR of lists from the popularity baseline, the 28 days up to the latest compacted day").register(registry);
    }

    private Window window() {
        Window w = window;
        if (w != null && w.at().plus(CACHE).isAfter(Instant.now())) {
            return w;
        }
        LocalDate latest = store.latestDay();
        long[] all = new long[3];
        long[] trained = new long[2];
        long[] popularity = new long[2];
        if (latest != null) {
            Map<String, String> algorithms = new HashMap<>();
            for (EventStore.DailyCounts c : store.daily(null, latest.minusDays(MODEL_DAYS - 1), latest)) {
                if (c.modelVersion() < 0) {
                    continue;
                }
                if (!c.date().isBefore(latest.minusDays(FLEET_DAYS - 1))) {
                    all[0] += c.impressions();
                    all[1] += c.clicks();
                    all[2] += c.purchases();
                }
                String algorithm = c.modelVersion() == 0 ? PopularityBaseline.ALGORITHM
                        : algorithms.computeIfAbsent(c.tenant().value() + "/" + c.modelVersion(),
                        k -> PerformanceService.listsFrom(models, c.tenant(), c.modelVersion()));
                long[] side = PopularityBaseline.ALGORITHM.equals(algorithm) ? popularity : trained;
                side[0] += c.impressions();
                side[1] += c.clicks();
            }
        }
        w = new Window(Instant.now(), PerformanceService.rate(all[1], all[0]), PerformanceService.rate(all[2], all[0]),
                PerformanceService.rate(trained[1], trained[0]), PerformanceService.rate(popularity[1], popularity[0]));
        window = w;
        return w;
    }

    @Override
    public Health health() {
        var warnings = fleet.warnings(fleet.today());
        Health.Builder health = warnings.isEmpty() ? Health.up() : Health.status(WARNING);
        return health.withDetail("warnings", warnings).build();
    }
}
