package io.nightbake.feedback;

import io.nightbake.api.ApiException;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantRegistry;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Online performance: {@code GET /api/v1/admin/tenants/{tenant}/performance} (operators) and the same answer at
 * {@code GET /api/v1/tenants/{tenant}/performance} for the tenant's own key; {@code GET /api/v1/admin/fleet/health}.
 * {@code from}/{@code to} are dates (to defaults to today UTC, from to 29 days before to); at most 366 days.
 */
@RestController
public class PerformanceController {

    private static final int MAX_DAYS = 366;

    private final PerformanceService performance;
    private final FleetHealthService fleet;
    private final TenantRegistry tenants;

    public PerformanceController(PerformanceService performance, FleetHealthService fleet, TenantRegistry tenants) {
        this.performance = performance;
        this.fleet = fleet;
        this.tenants = tenants;
    }

    @GetMapping("/api/v1/admin/tenants/{tenant}/performance")
    public PerformanceService.Performance admin(@PathVariable String tenant, @RequestParam(required = false) String from,
                                                @RequestParam(required = false) String to) {
        return tenantPerformance(tenant, from, to);
    }

    @GetMapping("/api/v1/tenants/{tenant}/performance")
    public PerformanceService.Performance own(@PathVariable String tenant, @RequestParam(required = false) String from,
                                              @RequestParam(required = false) String to) {
        return tenantPerformance(tenant, from, to);
    }

    @GetMapping("/api/v1/admin/fleet/health")
    public FleetHealthService.FleetHealth fleetHealth(@RequestParam(required = false) String days,
                                                      @RequestParam(required = false) String to) {
        int count = 30;
        if (days != null) {
            try {
                count = Integer.parseInt(days);
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (count < 1 || count > MAX_DAYS) {
                throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "days must be a whole number from 1 to " + MAX_DAYS);
            }
        }
        return fleet.of(to == null ? fleet.today() : date("to", to), count);
    }

    private PerformanceService.Performance tenantPerformance(String tenant, String from, String to) {
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
        TenantId id = TenantId.of(tenant);
        if (tenants.find(id).isEmpty()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_tenant", "unknown tenant '" + tenant + "'");
        }
        LocalDate end = to == null ? fleet.today() : date("to", to);
        LocalDate start = from == null ? end.minusDays(29) : date("from", from);
        if (start.isAfter(end)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "from (" + start + ") is after to (" + end + ")");
        }
        if (start.plusDays(MAX_DAYS).isBefore(end)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "from..to spans more than " + MAX_DAYS + " days");
        }
        return performance.of(id, start, end);
    }

    private static LocalDate date(String name, String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", name + " must be a date YYYY-MM-DD");
        }
    }
}
