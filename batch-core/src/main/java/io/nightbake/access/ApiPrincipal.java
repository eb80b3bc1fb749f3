package io.nightbake.access;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Who sent a request: the API key that {@link ApiKeyFilter} accepted. Controllers find it in the request attribute
 * {@link #ATTRIBUTE} and audit operator changes under {@link #name()}.
 *
 * @param name     the key's name, the "who" of the audit trail
 * @param tenant   the tenant a TENANT key reads; null for operators
 * @param publicId the key's public id
 */
public record ApiPrincipal(String name, ApiKeyRole role, String tenant, String publicId) {

    public static final String ATTRIBUTE = "nightbake.principal";

    public boolean operator() {
        return role == ApiKeyRole.OPERATOR;
    }

    /** The request's principal, or null when none was set (security is switched off). */
    public static ApiPrincipal of(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof ApiPrincipal principal ? principal : null;
    }
}
