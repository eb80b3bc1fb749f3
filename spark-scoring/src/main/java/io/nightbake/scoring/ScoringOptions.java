package io.nightbake.scoring;

import java.io.Serializable;

/**
 * How a {@link TenantScorer} uses the machine.
 *
 * @param batchSize      customers per ONNX Runtime call; one call scores batchSize x products pairs
 * @param intraOpThreads ONNX Runtime threads per session; 1 when Spark already runs one task per core
 */
public record ScoringOptions(int batchSize, int intraOpThreads) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Measured best on a 2-core AVX-512 VM for 5,000 products at rank 16 (see ScoringBenchmark). */
    public static final int DEFAULT_BATCH_SIZE = 64;

    public static final ScoringOptions DEFAULTS = new ScoringOptions(DEFAULT_BATCH_SIZE, 1);

    public ScoringOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be at least 1, was " + intraOpThreads);
        }
    }

    public ScoringOptions withBatchSize(int batchSize) {
        return new ScoringOptions(batchSize, intraOpThreads);
    }

    public ScoringOptions withIntraOpThreads(int threads) {
        return new ScoringOptions(batchSize, threads);
    }
}
