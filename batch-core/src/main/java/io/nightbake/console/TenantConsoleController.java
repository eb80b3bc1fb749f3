package io.nightbake.console;

import io.nightbake.access.ApiPrincipal;
import io.nightbake.admin.AdminException;
import io.nightbake.admin.JsonBody;
import io.nightbake.admin.TenantAdminService;
import io.nightbake.api.ApiErrors;
import io.nightbake.tenant.TenantId;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The tenant-facing endpoints: a tenant key reads and changes only its own tenant (the API key filter answers 403
 * for any other); operator keys may use them for any tenant. A tenant switches itself ON, FROZEN or OFF with the same
 * effect as an operator's change (OFF unpublishes at once; back ON serves the last lists again), audited under the
 * key's name.
 */
@RestController
public class TenantConsoleController {

    private final TenantConsoleService console;
    private final TenantAdminService admin;
    private final JsonMapper json;
    private final boolean securityEnabled;

    public TenantConsoleController(TenantConsoleService console, TenantAdminService admin, JsonMapper json,
                                   @Value("${nightbake.security.enabled:true}") boolean securityEnabled) {
        this.console = console;
        this.admin = admin;
        this.json = json;
        this.securityEnabled = securityEnabled;
    }

    /** Whose key this is: name, role (OPERATOR or TENANT) and, for a tenant key, its tenant; the console's first call. */
    public record Whoami(String name, String role, String tenant, boolean securityEnabled) {
    }

    @GetMapping("/api/v1/whoami")
    public Whoami whoami(HttpServletRequest request) {
        ApiPrincipal principal = ApiPrincipal.of(request);
        if (principal == null) {
            ConsoleRequests.actor(request, securityEnabled, false); // 401 when keys are on
            return new Whoami("anonymous", "OPERATOR", null, false);
        }
        return new Whoami(principal.name(), principal.role().name(), principal.tenant(), true);
    }

    /** State and history, champion and lineage, every night's figures, snapshots, the latest night's partitions. */
    @GetMapping("/api/v1/tenants/{tenant}/overview")
    public TenantConsoleService.TenantOverview overview(@PathVariable String tenant, HttpServletRequest request) {
        ConsoleRequests.actor(request, securityEnabled, false);
        return console.overview(ConsoleRequests.tenantId(tenant));
    }

    /** Sets the tenant's own state: {@code {"state":"ON|FROZEN|OFF","reason":"..."}}. */
    @PostMapping("/api/v1/tenants/{tenant}/state")
    public TenantAdminService.StateChangeResult setState(@PathVariable String tenant, @RequestBody(required = false) String body,
                                                         HttpServletRequest request) {
        String actor = ConsoleRequests.actor(request, securityEnabled, false);
        TenantId id = ConsoleRequests.tenantId(tenant);
        JsonBody fields = ConsoleRequests.body(json, request, body, ConsoleRequests.STATE_EXAMPLE, "state", "reason");
        return admin.setState(id, ConsoleRequests.state(fields.text("state"), "state"), actor, fields.text("reason"));
    }

    /** The tenant's state audit trail, oldest first. */
    @GetMapping("/api/v1/tenants/{tenant}/state/history")
    public List<TenantConsoleService.StateChange> stateHistory(@PathVariable String tenant, HttpServletRequest request) {
        ConsoleRequests.actor(request, securityEnabled, false);
        return console.stateHistory(ConsoleRequests.tenantId(tenant));
    }

    @ExceptionHandler(AdminException.class)
    ResponseEntity<ApiErrors.Error> admin(AdminException e) {
        return ConsoleRequests.error(e);
    }
}
