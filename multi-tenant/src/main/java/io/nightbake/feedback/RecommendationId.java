package io.nightbake.feedback;

import io.nightbake.tenant.TenantId;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Attribution carried by every lookup answer and echoed back on feedback events: which tenant, published snapshot,
 * model version and experiment arm produced the list. It is a pure function of those four values, so the serving
 * side computes it once per snapshot and arm and writes nothing per lookup.
 *
 * <p>Text form: {@code nbr1.<tenant>.<snapshot>.<modelVersion>.<arm>}, for example
 * {@code nbr1.tenant-001.2026-10-31-p84.3.champion}. None of the parts may contain a '.', so parsing is unambiguous.
 * {@code modelVersion} is 0 when the list did not come from a registered model (the popularity baseline arm).
 */
public record RecommendationId(TenantId tenant, String snapshotId, long modelVersion, String arm) {

    public static final String PREFIX = "nbr1";
    /** The arm of a tenant that runs no experiment: everybody sees the champion's lists. */
    public static final String CHAMPION = "champion";

    private static final Pattern PART = Pattern.compile("[A-Za-z0-9_-]{1,80}");

    public RecommendationId {
        Objects.requireNonNull(tenant, "tenant");
        if (snapshotId == null || !PART.matcher(snapshotId).matches()) {
            throw new IllegalArgumentException("invalid snapshot id in recommendationId: " + snapshotId);
        }
        if (modelVersion < 0) {
            throw new IllegalArgumentException("model version must be >= 0, got " + modelVersion);
        }
        if (arm == null || !PART.matcher(arm).matches()) {
            throw new IllegalArgumentException("invalid arm in recommendationId: " + arm);
        }
    }

    /** Parses the text form; the message of the exception says which part is wrong. */
    public static RecommendationId parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 300) {
            throw new IllegalArgumentException("recommendationId must be 1-300 characters");
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 5 || !PREFIX.equals(parts[0])) {
            throw new IllegalArgumentException("recommendationId must look like "
                    + PREFIX + ".<tenant>.<snapshot>.<modelVersion>.<arm>");
        }
        if (!TenantId.isValid(parts[1])) {
            throw new IllegalArgumentException("recommendationId names an invalid tenant id");
        }
        long version;
        try {
            version = Long.parseLong(parts[3]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("recommendationId's model version is not a number");
        }
        return new RecommendationId(TenantId.of(parts[1]), parts[2], version, parts[4]);
    }

    @Override
    public String toString() {
        return PREFIX + "." + tenant.value() + "." + snapshotId + "." + modelVersion + "." + arm;
    }
}
