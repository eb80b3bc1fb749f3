package io.nightbake.console;

import io.nightbake.admin.AdminException;
import io.nightbake.api.ApiErrors;
import io.nightbake.api.ApiException;
import io.nightbake.runs.RunsService;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import jakarta.annotation.PreDestroy;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator console's fleet endpoints (operator keys only): the fleet at a glance, the state counts per day
 * replayed from the audit trail, the searchable paged tenant list, and rerunning a tenant's failed partitions.
 */
@RestController
public class FleetConsoleController {

    private static final Logger log = LoggerFactory.getLogger(FleetConsoleController.class);

    private final FleetConsoleService fleet;
    private final RunsService runs;
    private final JsonMapper json;
    private final boolean securityEnabled;
    private final ExecutorService reruns = Executors.newSingleThreadExecutor(r -> new Thread(r, "console-rerun"));

    public FleetConsoleController(FleetConsoleService fleet, RunsService runs, JsonMapper json,
                                  @Value("${nightbake.security.enabled:true}") boolean securityEnabled) {
        this.fleet = fleet;
        this.runs = runs;
        this.json = json;
        this.securityEnabled = securityEnabled;
    }

    /** The latest night's progress, the last {@code nights} nights, state counts and the tenants needing attention. */
    @GetMapping("/api/v1/admin/fleet/overview")
    public FleetConsoleService.Overview overview(@RequestParam(defaultValue = "30") String nights, HttpServletRequest request) {
        ConsoleRequests.actor(request, securityEnabled, true);
        return fleet.overview(ConsoleRequests.number(nights, "nights", 1, 366));
    }

    /** Tenants ON / FROZEN / OFF at the end of each of the last {@code days} days, and state changes per day. */
    @GetMapping("/api/v1/admin/fleet/states")
    public FleetConsoleService.StatesOverTime states(@RequestParam(defaultValue = "30") String days, HttpServletRequest request) {
        ConsoleRequests.actor(request, securityEnabled, true);
        return fleet.states(ConsoleRequests.number(days, "days", 1, 366));
    }

    /** One page of the tenants whose id contains {@code q}, optionally in one state, in id order. */
    @GetMapping("/api/v1/admin/fleet/tenants")
    public FleetConsoleService.TenantPage tenants(@RequestParam(required = false) String q,
                                                  @RequestParam(required = false) String state,
                                                  @RequestParam(defaultValue = "0") String page,
                                                  @RequestParam(defaultValue = "50") String size, HttpServletRequest request) {
        ConsoleRequests.actor(request, securityEnabled, true);
        if (q != null && q.length() > 63) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "'q' must be at most 63 characters");
        }
        TenantState inState = state == null || state.isBlank() ? null : ConsoleRequests.state(state, "state");
        return fleet.tenants(q, inState, ConsoleRequests.number(page, "page", 0, 1_000_000),
                ConsoleRequests.number(size, "size", 1, FleetConsoleService.MAX_PAGE_SIZE));
    }

    /**
     * Reruns the night in which the tenant's partitions failed ({@code {"reason":"..."}} required, logged with the
     * operator's name). A rerun restarts that night, which redoes every failed or unfinished partition of it, this
     * tenant's included; answers 202 at once, 409 when the tenant has nothing failed in the latest night.
     */
    @PostMapping("/api/v1/admin/tenants/{tenant}/rerun")
    public ResponseEntity<Map<String, Object>> rerunTenant(@PathVariable String tenant, @RequestBody(required = false) String body,
                                                           HttpServletRequest request) {
        String actor = ConsoleRequests.actor(request, securityEnabled, true);
        TenantId id = ConsoleRequests.tenantId(tenant);
        String reason = ConsoleRequests.body(json, request, body, ConsoleRequests.REASON_EXAMPLE, "reason").text("reason");
        Long runId = fleet.latestFailedRunOf(id);
        if (runId == null) {
            throw new AdminException(AdminException.Kind.CONFLICT, "nothing_to_rerun",
                    "tenant '" + id + "' has no failed partition in the latest night; nothing to rerun");
        }
        var runDate = runs.runDate(runId);
        log.info("rerun of the night of {} (run {}) for tenant {} requested by {}: {}", runDate, runId, id, actor, reason);
        reruns.submit(() -> {
            try {
                runs.rerun(runId);
            } catch (Exception e) {
                log.error("rerun of run {} failed: {}", runId, e.getMessage(), e);
            }
        });
        return ResponseEntity.status(HttpStatus.ACCEPTED).body(Map.of("tenant", id.value(), "runId", runId,
                "runDate", runDate.toString(), "message", "rerunning the failed partitions of the night of " + runDate
                        + " (tenant '" + id + "' among them)"));
    }

    @ExceptionHandler(AdminException.class)
    ResponseEntity<ApiErrors.Error> admin(AdminException e) {
        return ConsoleRequests.error(e);
    }

    @PreDestroy
    void stop() {
        reruns.shutdownNow();
    }
}
