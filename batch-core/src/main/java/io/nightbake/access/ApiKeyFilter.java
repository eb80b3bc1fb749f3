package io.nightbake.access;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

/**
 * Every request under {@code /api} needs an API key, sent as {@code Authorization: Bearer <key>} or
 * {@code X-Api-Key: <key>}, checked from memory ({@link ActiveApiKeys}):
 * <ul>
 *   <li>no key, or a key that is malformed, unknown or revoked: 401 {@code unauthorized};</li>
 *   <li>an operator key: everything;</li>
 *   <li>a tenant key: {@code /api/v1/tenants/<its tenant>/...} only. Another tenant's path answers 403
 *       {@code forbidden} with the same body whether that tenant exists or not; the admin API and any other path
 *       answer 403 as well, except {@code /api/v1/whoami}, which tells any key whose it is.</li>
 * </ul>
 * The accepted key's {@link ApiPrincipal} goes into the request attribute {@link ApiPrincipal#ATTRIBUTE}.
 * {@code nightbake.security.enabled=false} lets every request through (the local demo).
 *
 * <p>The path is split and decoded segment by segment the way Spring MVC matches it (path parameters after ';'
 * dropped, percent-decoding per segment); whether it is under {@code /api} is judged on its normalized form, and a
 * tenant key is refused on any path with empty, "." or ".." segments, so the filter cannot be made to see a
 * different path or tenant than the controller does.
 */
@Component
@ConditionalOnWebApplication
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
public class ApiKeyFilter extends OncePerRequestFilter {

    public static final String UNAUTHORIZED_MISSING = "an API key is required: send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'";
    public static final String UNAUTHORIZED_INVALID = "the API key is not valid (unknown or revoked)";
    public static final String FORBIDDEN_TENANT = "this key cannot read this tenant";
    static final List<String> WHOAMI = List.of("api", "v1", "whoami");
    static final String FORBIDDEN_ADMIN = "this key cannot use the admin API: it needs an operator key";

    private final ActiveApiKeys keys;
    private final boolean enabled;

    public ApiKeyFilter(ActiveApiKeys keys, @Value("${nightbake.security.enabled:true}") boolean enabled) {
        this.keys = keys;
        this.enabled = enabled;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        if (isActuator(request)) {
            return false;
        }
        if (!enabled) {
            return true;
        }
        return !isProtected(segments(request));
    }

    /** Actuator endpoints answer everyone; only an operator key (or disabled security) makes the caller an operator. */
    static boolean isActuator(HttpServletRequest request) {
        List<String> segments = segments(request);
        return segments != null && !segments.isEmpty() && segments.get(0).equals("actuator");
    }

    /**
     * The health endpoint shows its status to anyone (load balancers) and its components and details only to an
     * operator ({@code management.endpoint.health.show-details: when-authorized}, role {@code OPERATOR}): a request
     * with an operator key carries that role; without one, or with any other key, it carries none.
     */
    private void actuator(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = credential(request);
        boolean operator = !enabled || (presented != null && keys.authenticate(presented).map(ApiPrincipal::operator).orElse(false));
        chain.doFilter(operator ? new OperatorRequest(request) : request, response);
    }

    /** A request made with an operator key, as the actuator's security context reads it. */
    private static final class OperatorRequest extends jakarta.servlet.http.HttpServletRequestWrapper {
        OperatorRequest(HttpServletRequest request) {
            super(request);
        }

        @Override
        public java.security.Principal getUserPrincipal() {
            return () -> "operator";
        }

        @Override
        public boolean isUserInRole(String role) {
            return "OPERATOR".equals(role);
        }
    }

    /**
     * Whether the path is under {@code /api}, judged on the path as a container or a proxy might normalize it (empty
     * and "." segments dropped, ".." resolved, any case), so that {@code //api/...} or {@code /x/../api/...} cannot
     * slip past the check; a path that cannot be decoded is protected too.
     */
    static boolean isProtected(List<String> segments) {
        if (segments == null) {
            return true;
        }
        List<String> normalized = new ArrayList<>();
        for (String segment : segments) {
            if (segment.equals("..")) {
                if (!normalized.isEmpty()) {
                    normalized.remove(normalized.size() - 1);
                }
            } else if (!segment.isEmpty() && !segment.equals(".")) {
                normalized.add(segment);
            }
        }
        return !normalized.isEmpty() && normalized.get(0).equalsIgnoreCase("api");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (isActuator(request)) {
            actuator(request, response, chain);
            return;
        }
        String presented = credential(request);
        if (presented == null) {
            reject(response, HttpServletResponse.SC_UNAUTHORIZED, "unauthorized", UNAUTHORIZED_MISSING);
            return;
        }
        Optional<ApiPrincipal> principal = keys.authenticate(presented);
        if (principal.isEmpty()) {
            reject(response, HttpServletResponse.SC_UNAUTHORIZED, "unauthorized", UNAUTHORIZED_INVALID);
            return;
        }
        ApiPrincipal who = principal.get();
        if (!who.operator()) {
            String refusal = tenantKeyRefusal(segments(request), who.tenant());
            if (refusal != null) {
                reject(response, HttpServletResponse.SC_FORBIDDEN, "forbidden", refusal);
                return;
            }
        }
        request.setAttribute(ApiPrincipal.ATTRIBUTE, who);
        chain.doFilter(request, response);
    }

    /** Why a tenant key may not use this path, or null when it may: only its own tenant's endpoints. */
    public static String tenantKeyRefusal(List<String> segments, String tenant) {
        if (segments == null || segments.size() < 2) {
            return FORBIDDEN_TENANT;
        }
        if (segments.equals(WHOAMI)) { // any valid key may ask whose it is (the console picks its pages by that)
            return null;
        }
        if (segments.size() >= 3 && segments.get(1).equals("v1") && segments.get(2).equals("admin")) {
            return FORBIDDEN_ADMIN;
        }
        boolean ownTenant = segments.size() >= 4 && segments.get(0).equals("api") && segments.get(1).equals("v1")
                && segments.get(2).equals("tenants") && segments.get(3).equals(tenant)
                && segments.stream().noneMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."));
        return ownTenant ? null : FORBIDDEN_TENANT;
    }

    /** The key from {@code Authorization: Bearer} or, failing that, {@code X-Api-Key}; null when neither has one. */
    static String credential(HttpServletRequest request) {
        return credential(request.getHeader("Authorization"), request.getHeader("X-Api-Key"));
    }

    /** The key from the (first) {@code Authorization} and {@code X-Api-Key} header values; null when neither has one. */
    public static String credential(String authorization, String header) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).strip();
            if (!token.isEmpty()) {
                return token;
            }
        }
        return header == null || header.isBlank() ? null : header.strip();
    }

    /**
     * The request path after the context path, split at '/', each segment without its ';' parameters and
     * percent-decoded; null when a segment cannot be decoded.
     */
    static List<String> segments(HttpServletRequest request) {
        String uri = request.getRequestURI();
        String context = request.getContextPath();
        String path = context != null && uri.startsWith(context) ? uri.substring(context.length()) : uri;
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        List<String> segments = new ArrayList<>();
        if (path.isEmpty()) {
            return segments;
        }
        for (String raw : path.split("/", -1)) {
            int semicolon = raw.indexOf(';');
            String segment = semicolon >= 0 ? raw.substring(0, semicolon) : raw;
            try {
                segments.add(UriUtils.decode(segment, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return segments;
    }

    private static void reject(HttpServletResponse response, int status, String error, String message) throws IOException {
        response.setStatus(status);
        if (status == HttpServletResponse.SC_UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"nightbake\"");
        }
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        // the messages are constants without quotes or backslashes, so no JSON escaping is needed
        response.getWriter().write("{\"error\":\"" + error + "\",\"message\":\"" + message + "\"}");
    }
}
