package io.nightbake.scoring;

import java.io.Serializable;

/**
 * How a {@link TenantScorer} uses the machine.
 *
 * <p>One ONNX Runtime call scores {@code rows x products} pairs, where {@code rows = min(batchSize,
 * maxBatchPairs / products)} (at least 1): wide catalogues get fewer customers per call so that the score mask and
 * the graph's intermediate [rows, products] tensors stay cache-sized. Measured on a 2-core AVX-512 VM at rank 16
 * (see {@link ScoringBenchmark}): 5,000 products run equally fast from 32 to 256 rows; 100,000 products are
 * fastest at about 16 rows and 1.5x slower at 64.
 *
 * @param batchSize      the most customers per ONNX Runtime call
 * @param maxBatchPairs  the most customer x product pairs per call (the score mask holds this many floats)
 * @param intraOpThreads ONNX Runtime threads per session; 1 when Spark already runs one task per core
 */
public record ScoringOptions(int batchSize, int maxBatchPairs, int intraOpThreads) implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final int DEFAULT_BATCH_SIZE = 256;
    /** 1 Mi floats = a 4 MiB score mask per call. */
    public static final int DEFAULT_MAX_BATCH_PAIRS = 1 << 20;

    public static final ScoringOptions DEFAULTS = new ScoringOptions(DEFAULT_BATCH_SIZE, DEFAULT_MAX_BATCH_PAIRS, 1);

    public ScoringOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        if (maxBatchPairs < 1) {
            throw new IllegalArgumentException("maxBatchPairs must be at least 1, was " + maxBatchPairs);
        }
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be at least 1, was " + intraOpThreads);
        }
    }

    /** Customers per call for a catalogue of {@code products} (and a tenant of {@code customers}). */
    public int rowsPerBatch(int customers, int products) {
        int byPairs = Math.max(1, maxBatchPairs / Math.max(1, products));
        return Math.max(1, Math.min(Math.min(batchSize, byPairs), customers));
    }

    public ScoringOptions withBatchSize(int batchSize) {
        return new ScoringOptions(batchSize, maxBatchPairs, intraOpThreads);
    }

    public ScoringOptions withMaxBatchPairs(int maxBatchPairs) {
        return new ScoringOptions(batchSize, maxBatchPairs, intraOpThreads);
    }

    public ScoringOptions withIntraOpThreads(int threads) {
        return new ScoringOptions(batchSize, maxBatchPairs, threads);
    }
}
