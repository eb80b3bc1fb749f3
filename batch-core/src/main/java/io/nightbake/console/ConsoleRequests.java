package io.nightbake.console;

import io.nightbake.access.ApiPrincipal;
import io.nightbake.admin.AdminException;
import io.nightbake.admin.JsonBody;
import io.nightbake.api.ApiErrors;
import io.nightbake.api.ApiException;
import io.nightbake.tenant.TenantId;
import io.nightbake.tenant.TenantState;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.ObjectMapper;

/** Checks shared by the console's endpoints: ids, bodies, parameters and who asks; every mistake names the field. */
final class ConsoleRequests {

    static final String STATE_EXAMPLE = "{\"state\":\"FROZEN\",\"reason\":\"we pause the model during our stock-taking\"}";
    static final String REASON_EXAMPLE = "{\"reason\":\"product feed fixed, ticket 1234\"}";

    private ConsoleRequests() {
    }

    static TenantId tenantId(String tenant) {
        if (!TenantId.isValid(tenant)) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request",
                    "tenant id must be 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
        return TenantId.of(tenant);
    }

    static TenantState state(String value, String field) {
        try {
            return TenantState.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "\"" + field + "\" must be ON, FROZEN or OFF");
        }
    }

    static int number(String value, String name, int min, int max) {
        try {
            int n = Integer.parseInt(value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "'" + name + "' must be a whole number from " + min
                + " to " + max);
    }

    /** The body as a JSON object with only {@code fields}; a body sent as something other than JSON answers 415. */
    static JsonBody body(ObjectMapper json, HttpServletRequest request, String body, String example, String... fields) {
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
                        "send the body as JSON with 'Content-Type: application/json', e.g. " + example);
            }
        }
        return JsonBody.parse(json, body, example, fields);
    }

    /**
     * Who asks, for the audit trail: the key's name. {@code operatorOnly} refuses tenant keys (the filter already does
     * under /api/v1/admin; this is the second lock). With security switched off the actor is "anonymous".
     */
    static String actor(HttpServletRequest request, boolean securityEnabled, boolean operatorOnly) {
        ApiPrincipal principal = ApiPrincipal.of(request);
        if (principal == null) {
            if (securityEnabled) {
                throw new ApiException(HttpStatus.UNAUTHORIZED, "unauthorized", "an API key is required");
            }
            return "anonymous";
        }
        if (operatorOnly && !principal.operator()) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "this key cannot use the admin API: it needs an operator key");
        }
        return principal.name();
    }

    static ResponseEntity<ApiErrors.Error> error(AdminException e) {
        HttpStatus status = switch (e.kind()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case INVALID -> HttpStatus.BAD_REQUEST;
        };
        return ResponseEntity.status(status).body(new ApiErrors.Error(e.code(), e.getMessage()));
    }
}
