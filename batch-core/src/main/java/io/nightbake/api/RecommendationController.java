package io.nightbake.api;

import io.nightbake.config.TemplatePipeline;
import io.nightbake.experiment.ArmTable;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The lookup API, answered from memory. Distinct answers (see README):
 * 200 {@code status=OK} with a list; 200 {@code status=NOTHING_TO_RECOMMEND} with an empty list (the customer is
 * known, nothing cleared the tenant's threshold); 200 {@code status=TENANT_OFF} with an empty list (recommendations
 * are switched off for the tenant); 404 {@code unknown_tenant}; 404 {@code unknown_customer}; 503
 * {@code not_published} (the tenant has no lists yet); 400 {@code invalid_request}.
 */
@RestController
@RequestMapping("/api/v1/tenants/{tenant}")
public class RecommendationController {

    public static final int MAX_LIMIT = 1000;
    private static final Pattern CUSTOMER_ID = Pattern.compile("[^\\p{Cntrl}]{1,256}");

    private final ServingService serving;
    private final TemplatePipeline template;
    private final Timer lookupLatency;

    public RecommendationController(ServingService serving, TemplatePipeline template, MeterRegistry registry) {
        this.serving = serving;
        this.template = template;
        this.lookupLatency = Timer.builder("nightbake.lookup.latency").description("time to answer a recommendation lookup")
                .register(registry);
    }

    public record Item(int rank, String productId, float score) {
    }

    /**
     * @param modelVersion the model version of the customer's arm
     * @param arm          the experiment arm the list comes from ({@code champion} outside experiments)
     */
    public record Recommendations(String tenant, String customer, String status, List<Item> recommendations,
                                  Integer modelVersion, String snapshot, LocalDate snapshotDate, String arm) {
    }

    public record SnapshotStatus(String tenant, String state, boolean published, String snapshot, Integer modelVersion,
                                 LocalDate runDate, Instant builtAt, Integer customers, Integer entries) {
    }

    @GetMapping("/customers/{customer}/recommendations")
    public ResponseEntity<?> recommendations(@PathVariable String tenant, @PathVariable String customer,
                                             @RequestParam(required = false) String limit) {
        long start = System.nanoTime();
        try {
            return lookup(tenant, customer, limit);
        } finally {
            lookupLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private ResponseEntity<?> lookup(String tenant, String customer, String limit) {
        TenantState state = knownTenant(tenant);
        if (!CUSTOMER_ID.matcher(customer).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "customer id must be 1-256 characters without control characters");
        }
        int max = parseLimit(limit);
        if (state == TenantState.OFF) {
            return ResponseEntity.ok(new Recommendations(tenant, customer, "TENANT_OFF", List.of(), null, null, null, null));
        }
        TenantSnapshotIndex index = serving.index().get(tenant); // one snapshot for the whole answer
        if (index == null) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "not_published",
                    "tenant '" + tenant + "' has no published recommendations yet");
        }
        TenantSnapshotIndex.Lookup lookup = index.lookup(customer, max);
        if (lookup.isUnknownCustomer()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_customer",
                    "customer '" + customer + "' is not in snapshot " + index.snapshotId() + " of tenant '" + tenant + "'");
        }
        List<Item> items = new ArrayList<>(lookup.size());
        for (int i = 0; i < lookup.size(); i++) {
            items.add(new Item(i + 1, lookup.productId(i), lookup.score(i)));
        }
        ArmTable.Arm arm = serving.arm(index, customer); // recomputed from the snapshot's arm table, nothing stored per lookup
        return ResponseEntity.ok(new Recommendations(tenant, customer, items.isEmpty() ? "NOTHING_TO_RECOMMEND" : "OK", items,
                arm.modelVersion(), index.snapshotId(), index.runDate(), arm.name()));
    }

    @GetMapping("/recommendations/status")
    public SnapshotStatus status(@PathVariable String tenant) {
        TenantState state = knownTenant(tenant);
        TenantSnapshotIndex index = serving.index().get(tenant);
        if (index == null) {
            return new SnapshotStatus(tenant, state.name(), false, null, null, null, null, null, null);
        }
        return new SnapshotStatus(tenant, state.name(), true, index.snapshotId(), index.modelVersion(), index.runDate(),
                index.builtAt(), index.customerCount(), index.entryCount());
    }

    private TenantState knownTenant(String tenant) {
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
        TenantState state = serving.state(tenant);
        if (state == null) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_tenant", "unknown tenant '" + tenant + "'");
        }
        return state;
    }

    private int parseLimit(String limit) {
        if (limit == null) {
            return template.topK();
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "limit must be a whole number from 1 to " + MAX_LIMIT);
    }
}
