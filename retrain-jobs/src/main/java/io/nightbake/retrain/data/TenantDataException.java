package io.nightbake.retrain.data;

import io.nightbake.tenant.TenantId;

import java.util.Objects;

/**
 * A tenant's input files break the data contract. The message always names the tenant, the file and
 * the column ("whole file" when the file as a whole is at fault), e.g.
 * {@code tenant 'acme': interactions.parquet, column 'value': 3 values are NaN or infinite (first at row 17)}.
 * Row numbers are 0-based positions in the file (across all part files of a Spark-style folder).
 */
public class TenantDataException extends RuntimeException {

    private final TenantId tenant;
    private final String file;
    private final String column;

    public TenantDataException(TenantId tenant, String file, String column, String problem) {
        this(tenant, file, column, problem, null);
    }

    public TenantDataException(TenantId tenant, String file, String column, String problem, Throwable cause) {
        super(describe(tenant, file, column, problem), cause);
        this.tenant = Objects.requireNonNull(tenant, "tenant");
        this.file = Objects.requireNonNull(file, "file");
        this.column = column;
    }

    /** The tenant whose data is at fault. */
    public TenantId tenant() {
        return tenant;
    }

    /** The file name within the tenant folder, e.g. {@code interactions.parquet}. */
    public String file() {
        return file;
    }

    /** The column at fault, or null when the whole file is (missing, unreadable, empty). */
    public String column() {
        return column;
    }

    private static String describe(TenantId tenant, String file, String column, String problem) {
        return "tenant '" + tenant + "': " + file + ", " + (column == null ? "whole file" : "column '" + column + "'")
                + ": " + problem;
    }
}
