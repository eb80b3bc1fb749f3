package io.nightbake.api;

import io.nightbake.config.TemplatePipeline;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

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
    private final LookupAnswer answers;

    public RecommendationController(ServingService serving, TemplatePipeline template, MeterRegistry registry,
                                    JsonMapper json) {
        this.serving = serving;
        this.template = template;
        this.answers = new LookupAnswer(json);
        this.lookupLatency = Timer.builder("nightbake.lookup.latency").description("time to answer a recommendation lookup")
                .register(registry);
    }

    /**
     * {@code servedFrom}: {@code serving-file}, {@code parquet} (its serving file was missing or damaged),
     * {@code kept-snapshot} (the published snapshot could not be loaded) or {@code none}; {@code problem} says what
     * went wrong, null when nothing did.
     */
    public record SnapshotStatus(String tenant, String state, boolean published, String snapshot, Integer modelVersion,
                                 LocalDate runDate, Instant builtAt, Integer customers, Integer entries,
                                 String servedFrom, String problem) {
    }

    @GetMapping("/customers/{customer}/recommendations")
    public ResponseEntity<byte[]> recommendations(@PathVariable String tenant, @PathVariable String customer,
                                             @RequestParam(required = false) String limit) {
        long start = System.nanoTime();
        try {
            return lookup(tenant, customer, limit);
        } finally {
            lookupLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
    }

    private ResponseEntity<byte[]> lookup(String tenant, String customer, String limit) {
        TenantState state = knownTenant(tenant);
        if (!CUSTOMER_ID.matcher(customer).matches()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "customer id must be 1-256 characters without control characters");
        }
        int max = parseLimit(limit);
        if (state == TenantState.OFF) {
            return json(answers.withoutList(tenant, customer, "TENANT_OFF"));
        }
        TenantSnapshotIndex index = serving.index().get(tenant); // one snapshot for the whole answer
        if (index == null) {
            if (serving.expected() && !serving.loaded()) {
                throw loading();
            }
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "not_published",
                    "tenant '" + tenant + "' has no published recommendations yet");
        }
        int c = index.customerOrdinal(customer);
        if (c < 0) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_customer",
                    "customer '" + customer + "' is not in snapshot " + index.snapshotId() + " of tenant '" + tenant + "'");
        }
        return json(answers.list(tenant, customer, index, c, max));
    }

    /** A serving process that has not loaded its index yet does not know its tenants either: ask to retry. */
    private static ApiException loading() {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "index_loading",
                "the serving index is still loading; retry in a moment");
    }

    private static ResponseEntity<byte[]> json(byte[] body) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
    }

    @GetMapping("/recommendations/status")
    public SnapshotStatus status(@PathVariable String tenant) {
        TenantState state = knownTenant(tenant);
        TenantSnapshotIndex index = serving.index().get(tenant);
        ServingService.TenantStatus served = serving.status(tenant);
        String from = served == null ? null : served.source().label();
        String problem = served == null ? null : served.problem();
        if (index == null) {
            return new SnapshotStatus(tenant, state.name(), false, null, null, null, null, null, null, from, problem);
        }
        return new SnapshotStatus(tenant, state.name(), true, index.snapshotId(), index.modelVersion(), index.runDate(),
                index.builtAt(), index.customerCount(), index.entryCount(), from, problem);
    }

    private TenantState knownTenant(String tenant) {
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
        TenantState state = serving.state(tenant);
        if (state == null) {
            if (serving.expected() && !serving.loaded()) {
                throw loading();
            }
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
