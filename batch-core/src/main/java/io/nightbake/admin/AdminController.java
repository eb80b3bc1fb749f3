package io.nightbake.admin;

import io.nightbake.access.ApiPrincipal;
import io.nightbake.api.ApiErrors;
import io.nightbake.api.ApiException;
import io.nightbake.control.ControlService;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Locale;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operators' API under {@code /api/v1/admin}: operator keys only (enforced by the API key filter, checked here
 * again). JSON in and out; every body is checked field by field and a mistake answers 400 {@code invalid_request}
 * with a message naming the field. Changes are audited under the operator key's name. The same operations are CLI
 * subcommands; both go through {@link TenantAdminService} and {@link ApiKeyService}.
 */
@RestController
@RequestMapping("/api/v1/admin")
public class AdminController {

    private static final String STATE_EXAMPLE = "{\"state\":\"FROZEN\",\"reason\":\"client asked to freeze the model\"}";
    private static final String PIN_EXAMPLE = "{\"version\":3,\"reason\":\"version 4 recommends discontinued products\"}";
    private static final String REASON_EXAMPLE = "{\"reason\":\"yesterday's lists look wrong\"}";
    private static final String NAME_EXAMPLE = "{\"name\":\"crm-frontend\"}";

    private static final String CONTROL_EXAMPLE = "{\"mode\":\"bandit\",\"reason\":\"client opted in to automatic control\"}";

    private final TenantAdminService admin;
    private final ApiKeyService keys;
    private final JsonMapper json;
    private final boolean securityEnabled;
    private final ControlService control;

    public AdminController(TenantAdminService admin, ApiKeyService keys, JsonMapper json,
                           @Value("${nightbake.security.enabled:true}") boolean securityEnabled, ControlService control) {
        this.control = control;
        this.admin = admin;
        this.keys = keys;
        this.json = json;
        this.securityEnabled = securityEnabled;
    }

    @GetMapping("/tenants")
    public List<TenantAdminService.TenantOverview> tenants(HttpServletRequest request) {
        actor(request);
        return admin.tenants();
    }

    @GetMapping("/tenants/{tenant}")
    public TenantAdminService.TenantDetail tenant(@PathVariable String tenant, HttpServletRequest request) {
        actor(request);
        return admin.tenant(tenantId(tenant));
    }

    @PostMapping("/tenants/{tenant}/state")
    public TenantAdminService.StateChangeResult setState(@PathVariable String tenant,
                                                         @RequestBody(required = false) String body,
                                                         HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, STATE_EXAMPLE, "state", "reason");
        TenantState state = state(fields.text("state"));
        return admin.setState(id, state, actor, fields.text("reason"));
    }

    @PostMapping("/tenants/{tenant}/champion")
    public TenantAdminService.ChampionResult pinChampion(@PathVariable String tenant, @RequestBody(required = false) String body,
                                                         HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, PIN_EXAMPLE, "version", "reason");
        int version = fields.wholeNumber("version", 1);
        return admin.pinChampion(id, version, actor, fields.text("reason"));
    }

    /** Releases an operator's pin on the champion. */
    @DeleteMapping("/tenants/{tenant}/champion/pin")
    public TenantAdminService.ChampionResult unpinChampion(@PathVariable String tenant,
                                                           @RequestBody(required = false) String body,
                                                           HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, REASON_EXAMPLE, "reason");
        return admin.unpinChampion(id, actor, fields.text("reason"));
    }

    @PostMapping("/tenants/{tenant}/champion/rollback")
    public TenantAdminService.ChampionResult rollbackChampion(@PathVariable String tenant,
                                                              @RequestBody(required = false) String body,
                                                              HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, REASON_EXAMPLE, "reason");
        return admin.rollbackChampion(id, actor, fields.text("reason"));
    }

    @PostMapping("/tenants/{tenant}/snapshot/roll-forward")
    public TenantAdminService.SnapshotResult rollForwardSnapshot(@PathVariable String tenant,
                                                                 @RequestBody(required = false) String body,
                                                                 HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, REASON_EXAMPLE, "reason");
        return admin.rollForwardSnapshot(id, actor, fields.text("reason"));
    }

    @PostMapping("/tenants/{tenant}/snapshot/rollback")
    public TenantAdminService.SnapshotResult rollbackSnapshot(@PathVariable String tenant,
                                                              @RequestBody(required = false) String body,
                                                              HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, REASON_EXAMPLE, "reason");
        return admin.rollbackSnapshot(id, actor, fields.text("reason"));
    }

    /** The tenant's control mode and its latest experiment: arms, shares, impressions, KPI, uplift, nights, decision. */
    @GetMapping("/tenants/{tenant}/experiment")
    public ControlService.ExperimentView experiment(@PathVariable String tenant, HttpServletRequest request) {
        actor(request);
        return control(() -> control.view(tenantId(tenant)));
    }

    /** Stops the running experiment: the champion takes all traffic from the next prebake on. */
    @PostMapping("/tenants/{tenant}/experiment/stop")
    public ControlService.ExperimentView stopExperiment(@PathVariable String tenant, @RequestBody(required = false) String body,
                                                        HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, REASON_EXAMPLE, "reason");
        String reason = fields.text("reason");
        return control(() -> {
            control.stop(id, actor, reason);
            return control.view(id);
        });
    }

    /** Sets the tenant's control mode (manual, ab, bandit); a running experiment of another kind stops. */
    @PostMapping("/tenants/{tenant}/control")
    public ControlService.ModeChange setControl(@PathVariable String tenant, @RequestBody(required = false) String body,
                                                HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, CONTROL_EXAMPLE, "mode", "reason");
        String mode = fields.text("mode");
        String reason = fields.text("reason");
        return control(() -> control.setMode(id, mode, actor, reason));
    }

    /** Control's failures as the admin API's errors: unknown tenant 404, nothing to stop 409, a bad mode 400. */
    private static <T> T control(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        } catch (io.nightbake.tenant.UnknownTenantException e) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_tenant", e.getMessage());
        } catch (io.nightbake.config.ConfigException e) {
            throw AdminException.invalid(e.getMessage().replace("'mode'", "\"mode\"") + ", e.g. " + CONTROL_EXAMPLE);
        } catch (IllegalStateException e) {
            throw new ApiException(HttpStatus.CONFLICT, "conflict", e.getMessage());
        }
    }

    @GetMapping("/api-keys")
    public List<ApiKeyService.ApiKeyView> apiKeys(@RequestParam(required = false) String tenant, HttpServletRequest request) {
        actor(request);
        return tenant == null ? keys.list() : keys.list(tenantId(tenant));
    }

    @PostMapping("/tenants/{tenant}/api-keys")
    public ResponseEntity<ApiKeyService.NewApiKey> createTenantKey(@PathVariable String tenant,
                                                                   @RequestBody(required = false) String body,
                                                                   HttpServletRequest request) {
        String actor = actor(request);
        TenantId id = tenantId(tenant);
        JsonBody fields = body(request, body, NAME_EXAMPLE, "name");
        return created(keys.createTenantKey(id, fields.text("name"), actor));
    }

    @PostMapping("/operator-keys")
    public ResponseEntity<ApiKeyService.NewApiKey> createOperatorKey(@RequestBody(required = false) String body,
                                                                     HttpServletRequest request) {
        String actor = actor(request);
        JsonBody fields = body(request, body, "{\"name\":\"alice\"}", "name");
        return created(keys.createOperatorKey(fields.text("name"), actor));
    }

    /** Revokes a key; an optional body {@code {"reason":"..."}} says why. */
    @DeleteMapping("/api-keys/{publicId}")
    public ApiKeyService.Revocation revoke(@PathVariable String publicId, @RequestBody(required = false) String body,
                                           HttpServletRequest request) {
        String actor = actor(request);
        String reason = body == null || body.isBlank() ? null
                : body(request, body, REASON_EXAMPLE, "reason").optionalText("reason");
        return keys.revoke(publicId, actor, reason);
    }

    /**
     * The body as JSON. A request that says its body is something else (curl's {@code -d} sends form encoding unless
     * told otherwise) gets a 415 that tells how to send it; a request without a content type is read as JSON.
     */
    private JsonBody body(HttpServletRequest request, String body, String example, String... fields) {
        String type = request.getContentType();
        if (type != null && body != null && !body.isBlank()) {
            MediaType mediaType;
            try {
                mediaType = MediaType.parseMediaType(type);
            } catch (InvalidMediaTypeException e) {
                mediaType = MediaType.APPLICATION_OCTET_STREAM;
            }
            if (!mediaType.isCompatibleWith(MediaType.APPLICATION_JSON) && !mediaType.getSubtype().endsWith("+json")) {
                throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                        "send the body as JSON with 'Content-Type: application/json' (curl: -H 'Content-Type: application/json'),"
                                + " e.g. " + example);
            }
        }
        return JsonBody.parse(json, body, example, fields);
    }

    @ExceptionHandler(AdminException.class)
    ResponseEntity<ApiErrors.Error> admin(AdminException e) {
        HttpStatus status = switch (e.kind()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case INVALID -> HttpStatus.BAD_REQUEST;
        };
        return ResponseEntity.status(status).body(new ApiErrors.Error(e.code(), e.getMessage()));
    }

    private static ResponseEntity<ApiKeyService.NewApiKey> created(ApiKeyService.NewApiKey key) {
        return ResponseEntity.status(HttpStatus.CREATED).cacheControl(CacheControl.noStore()).body(key);
    }

    /**
     * Who makes the change, for the audit trail: the operator key's name. The filter already admits only operator
     * keys here; this is the second lock on the door. With security switched off the actor is "anonymous".
     */
    private String actor(HttpServletRequest request) {
        ApiPrincipal principal = ApiPrincipal.of(request);
        if (principal == null) {
            if (securityEnabled) {
                throw new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "an operator key is required");
            }
            return "anonymous";
        }
        if (!principal.operator()) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "this key cannot use the admin API: it needs an operator key");
        }
        return principal.name();
    }

    private static TenantId tenantId(String tenant) {
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
        return TenantId.of(tenant);
    }

    private static TenantState state(String value) {
        try {
            return TenantState.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AdminException.invalid("\"state\" must be ON, FROZEN or OFF, e.g. " + STATE_EXAMPLE);
        }
    }
}
