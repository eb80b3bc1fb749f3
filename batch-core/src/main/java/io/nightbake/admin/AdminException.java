package io.nightbake.admin;

/**
 * An operator's request that cannot be done, with a message that names the thing and the fix. The REST API answers
 * it with the {@link Kind}'s status and {@link #code()}; the CLI prints the message.
 */
public class AdminException extends RuntimeException {

    public enum Kind {
        /** The request names something that does not exist (404). */
        NOT_FOUND,
        /** The request is valid but the tenant's current situation does not allow it (409). */
        CONFLICT,
        /** The request itself is wrong (400). */
        INVALID
    }

    private final Kind kind;
    private final String code;

    public AdminException(Kind kind, String code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }

    static AdminException invalid(String message) {
        return new AdminException(Kind.INVALID, "invalid_request", message);
    }
}
