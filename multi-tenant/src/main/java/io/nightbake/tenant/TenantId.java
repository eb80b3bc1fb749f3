package io.nightbake.tenant;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tenant's identifier. It ends up in file paths, SQL and URLs, so it only admits
 * lower-case letters, digits, '_' and '-', starting with a letter or digit, at most 63 characters.
 */
public record TenantId(String value) implements java.io.Serializable, Comparable<TenantId> {

    private static final Pattern ALLOWED = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public TenantId {
        Objects.requireNonNull(value, "tenant id");
        if (!ALLOWED.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid tenant id '" + printable(value)
                    + "': use 1-63 characters of [a-z0-9_-], starting with a letter or digit");
        }
    }

    public static TenantId of(String value) {
        return new TenantId(value);
    }

    /** True when {@code value} would make a valid tenant id. */
    public static boolean isValid(String value) {
        return value != null && ALLOWED.matcher(value).matches();
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
