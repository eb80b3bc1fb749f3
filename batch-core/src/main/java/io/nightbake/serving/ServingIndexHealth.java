package io.nightbake.serving;

import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * Whether the serving index is ready: part of the readiness group ({@code /actuator/health/readiness}), which answers
 * 503 until every published tenant's snapshot has been loaded (or has failed to load and fallen back, see
 * {@link ServingService#status}); a process that does not serve lookups is always ready.
 */
@Component("servingIndex")
public class ServingIndexHealth implements HealthIndicator {

    private final ServingService serving;

    public ServingIndexHealth(ServingService serving) {
        this.serving = serving;
    }

    @Override
    public Health health() {
        if (!serving.expected()) {
            return Health.up().withDetail("message", "this process does not serve lookups").build();
        }
        if (!serving.loaded()) {
            int[] progress = serving.loadingProgress();
            return Health.status(Status.OUT_OF_SERVICE)
                    .withDetail("message", "the serving index is still loading: " + progress[0] + " of " + progress[1]
                            + " published tenants loaded")
                    .build();
        }
        Map<String, ServingService.TenantStatus> problems = serving.problems();
        Health.Builder health = Health.up().withDetail("tenantsServed", serving.index().size());
        if (!problems.isEmpty()) {
            // a tenant on a fallback still answers lookups: the process stays ready, the details say who and why
            health.withDetail("tenantsWithProblems", problems.size())
                    .withDetail("firstProblem", problems.entrySet().stream().sorted(Map.Entry.comparingByKey())
                            .findFirst().map(e -> e.getKey() + ": " + e.getValue().problem()).orElse(null));
        }
        return health.build();
    }
}
