package io.nightbake.scoring;

import java.io.Serializable;

/**
 * What prebaking one tenant did. A failure (bad data, missing model, ...) is a result with {@code succeeded = false}
 * and an {@code error} naming the tenant, never an exception: the other tenants of the same Spark task go on.
 *
 * @param customers    customers of the tenant (each has exactly one list in the output, possibly empty)
 * @param listsWritten customers with at least one recommendation (the others got the empty-list marker row)
 * @param rowsWritten  rows in the output file (ranked rows plus marker rows)
 * @param pairsScored  customer x product pairs the ranking graph scored
 * @param millis       wall time for the tenant, from reading its data to the renamed output file
 * @param error        null when the tenant succeeded
 * @param phases       where the time went (zeros where a failure stopped early)
 */
public record ScoringResult(
        String tenant,
        boolean succeeded,
        int customers,
        int listsWritten,
        long rowsWritten,
        long pairsScored,
        long millis,
        String error,
        Phases phases) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static ScoringResult failed(String tenant, String error, long millis, Phases phases) {
        return new ScoringResult(tenant, false, 0, 0, 0, 0, millis, error, phases);
    }

    /** Customers who got the "nothing good enough" marker instead of a list. */
    public int emptyLists() {
        return customers - listsWritten;
    }

    /**
     * Time per phase in nanoseconds: reading the tenant's data and model, folding and exporting the ranking graph,
     * getting the ONNX Runtime session, filling score masks, running the graph, and turning top-K results into
     * Parquet rows (including closing and renaming the file).
     */
    public record Phases(long readNanos, long foldExportNanos, long sessionNanos, long maskNanos, long runNanos,
                         long writeNanos) implements Serializable {

        private static final long serialVersionUID = 1L;

        public static final Phases NONE = new Phases(0, 0, 0, 0, 0, 0);

        public Phases plus(Phases other) {
            return new Phases(readNanos + other.readNanos, foldExportNanos + other.foldExportNanos,
                    sessionNanos + other.sessionNanos, maskNanos + other.maskNanos, runNanos + other.runNanos,
                    writeNanos + other.writeNanos);
        }

        public long totalNanos() {
            return readNanos + foldExportNanos + sessionNanos + maskNanos + runNanos + writeNanos;
        }
    }
}
