package io.nightbake.tenant;

import java.util.Objects;

/**
 * A tenant's identifier. It ends up in file paths, SQL and URLs, so it only admits
 * lower-case letters, digits, '_' and '-', starting with a letter or digit, at most 63 characters.
 */
public record TenantId(String value) implements java.io.Serializable, Comparable<TenantId> {

    public TenantId {
        Objects.requireNonNull(value, "tenant id");
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid tenant id '" + printable(value)
                    + "': use 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
    }

    public static TenantId of(String value) {
        return new TenantId(value);
    }

    /**
     * True when {@code value} would make a valid tenant id: {@code [a-z0-9][a-z0-9_-]{0,62}}, checked without a regex
     * Matcher because every lookup checks its tenant (the Matcher was a tenth of a lookup's garbage).
     */
    public static boolean isValid(String value) {
        if (value == null || value.isEmpty() || value.length() > 63) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'));
            if (!allowed) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String value) {
        String shown = value.length() > 70 ? value.substring(0, 70) + "..." : value;
        return shown.replaceAll("\\p{Cntrl}", "?");
    }

    @Override
    public int compareTo(TenantId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
