package io.nightbake.api;

import io.nightbake.config.TemplatePipeline;
import io.nightbake.serving.ServingService;
import io.nightbake.serving.TenantSnapshotIndex;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import java.time.Instant;
import java.time.LocalDate;
import io.micrometer.core.instrument.MeterRegistry;
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
    // the answers' texts, shared with the lean listener (serving/lean), which answers lookups before Spring runs
    public static final String INVALID_TENANT = "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit";
    public static final String INVALID_CUSTOMER = "customer id must be 1-256 characters without control characters";
    public static final String INVALID_LIMIT = "limit must be a whole number from 1 to " + MAX_LIMIT;
    public static final String LOADING = "the serving index is still loading; retry in a moment";

    private final ServingService serving;
    private final TemplatePipeline template;
    private final LookupTimers lookupLatency;
    private final LookupAnswer answers;

    public RecommendationController(ServingService serving, TemplatePipeline template, MeterRegistry registry,
                                    JsonMapper json) {
        this.serving = serving;
        this.template = template;
        this.answers = new LookupAnswer(json);
        this.lookupLatency = new LookupTimers(registry);
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
        int status = 500;
        try {
            ResponseEntity<byte[]> answer = lookup(tenant, customer, limit);
            status = answer.getStatusCode().value();
            return answer;
        } catch (ApiException e) {
            status = e.status().value();
            throw e;
        } finally {
            lookupLatency.record(status, System.nanoTime() - start);
        }
    }

    private ResponseEntity<byte[]> lookup(String tenant, String customer, String limit) {
        TenantState state = knownTenant(tenant);
        if (!isValidCustomerId(customer)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", INVALID_CUSTOMER);
        }
        int max = parseLimit(limit, template.topK());
        if (max < 0) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", INVALID_LIMIT);
        }
        if (state == TenantState.OFF) {
            return json(answers.withoutList(tenant, customer, "TENANT_OFF"));
        }
        TenantSnapshotIndex index = serving.served(tenant); // one snapshot for the whole answer
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
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "index_loading", LOADING);
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
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", INVALID_TENANT);
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

    /** Whether a customer id is 1-256 characters without (ASCII) control characters. */
    public static boolean isValidCustomerId(String customer) {
        // the pattern [^\p{Cntrl}]{1,256}, without a Matcher per request: code points, none of U+0000-001F and U+007F
        int n = customer.length();
        int count = 0;
        for (int i = 0; i < n; count++) {
            int cp = customer.codePointAt(i);
            if (cp < 0x20 || cp == 0x7F || count == 256) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return count > 0;
    }

    /** The {@code limit} parameter's value: {@code fallback} when absent, -1 when it is not 1 to {@link #MAX_LIMIT}. */
    public static int parseLimit(String limit, int fallback) {
        if (limit == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported by the caller
        }
        return -1;
    }
}
