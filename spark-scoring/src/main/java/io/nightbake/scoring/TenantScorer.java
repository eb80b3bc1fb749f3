package io.nightbake.scoring;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.nightbake.retrain.data.TenantDataReader;
import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.model.FactorizationMachine;
import io.nightbake.retrain.model.ModelArtifacts;
import io.nightbake.retrain.model.RankingFactors;
import io.nightbake.retrain.onnx.OnnxRankingModelExporter;
import io.nightbake.retrain.pipeline.TenantRetrainer;
import io.nightbake.retrain.train.FeatureEncoder;
import io.nightbake.tenant.TenantId;
import org.apache.parquet.io.api.Binary;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;

/**
 * Prebakes one tenant (plain Java, no Spark): reads its data and champion model, folds the model over the current
 * customers and products, exports the ranking graph, scores every customer against every product in batches of
 * {@link ScoringOptions#rowsPerBatch} customers per ONNX Runtime call (a blocked matrix product with a fused
 * top-K), applies the rules through the graph's additive score mask, and writes {@link RecommendationsFile}
 * atomically.
 *
 * <p>Never throws for a tenant's problem: {@link #score} returns a failed {@link ScoringResult} whose message names
 * the tenant. Thread-safe: concurrent calls share sessions through the {@link OrtSessionCache}.
 */
public final class TenantScorer {

    private final ScoringOptions options;
    private final OrtSessionCache sessions;

    public TenantScorer() {
        this(ScoringOptions.DEFAULTS, OrtSessionCache.shared());
    }

    public TenantScorer(ScoringOptions options, OrtSessionCache sessions) {
        this.options = options;
        this.sessions = sessions;
    }

    public ScoringResult score(ScoringTask task) {
        long start = System.nanoTime();
        Clock clock = new Clock();
        try {
            TenantId tenant = tenantId(task.tenantId());
            TenantDataset data = TenantDataReader.read(tenant, Path.of(task.tenantDataDir()));
            FactorizationMachine model = readModel(task);
            clock.lap(Phase.READ);

            RankingFactors factors = TenantRetrainer.fold(model, data, new FeatureEncoder(task.features()));
            if (factors.productCount() == 0) {
                throw new ScoringException("has no products to recommend");
            }
            byte[] graph = OnnxRankingModelExporter.export(factors, tenant.value() + "-v" + task.modelVersion());
            clock.lap(Phase.FOLD_EXPORT);

            try (OrtSessionCache.Lease lease = sessions.acquire(tenant.value(), task.modelVersion(), graph,
                    options.intraOpThreads())) {
                clock.lap(Phase.SESSION);
                Counts counts = scoreAll(task, data, lease.session(), clock);
                long millis = (System.nanoTime() - start) / 1_000_000;
                return new ScoringResult(task.tenantId(), true, counts.customers, counts.lists, counts.rows,
                        (long) counts.customers * data.productCount(), millis, null, clock.phases());
            }
        } catch (Exception e) {
            return ScoringResult.failed(task.tenantId(), describe(task, e), (System.nanoTime() - start) / 1_000_000,
                    clock.phases());
        }
    }

    private static TenantId tenantId(String id) {
        try {
            return TenantId.of(id);
        } catch (IllegalArgumentException e) {
            throw new ScoringException(e.getMessage());
        }
    }

    private static FactorizationMachine readModel(ScoringTask task) {
        Path dir = Path.of(task.modelDir());
        if (!Files.isDirectory(dir)) {
            throw new ScoringException(role(task) + " model v" + task.modelVersion() + " not found: folder " + dir
                    + " does not exist (retrain the tenant or pin an existing version)");
        }
        try {
            return ModelArtifacts.readRankingModel(dir); // what the lists are ordered by (the served score)
        } catch (RuntimeException e) {
            throw new ScoringException("cannot read " + role(task) + " model v" + task.modelVersion() + " from " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** "champion", or the experiment arm's name, for messages. */
    private static String role(ScoringTask task) {
        return task.arm() == null ? "champion" : "arm " + task.arm() + "'s";
    }

    private record Counts(int lists, long rows, int customers) {
    }

    private Counts scoreAll(ScoringTask task, TenantDataset data, OrtSession session, Clock clock) throws OrtException {
        int customers = data.customerCount();
        int products = data.productCount();
        int k = Math.min(task.k(), products);
        Double minScore = task.rules().minScore();
        ScoreMasks masks = ScoreMasks.build(data, task.rules());

        // customers in id order, so the file is sorted by customer then rank; with arms, only this arm's customers
        Integer[] boxed = java.util.stream.IntStream.range(0, data.customerCount())
                .filter(c -> task.arms() == null || task.arms().armFor(data.customerId(c)).name().equals(task.arm()))
                .boxed().toArray(Integer[]::new);
        customers = boxed.length;
        Arrays.sort(boxed, Comparator.comparing(data::customerId));
        Binary[] productIds = new Binary[products];
        for (int p = 0; p < products; p++) {
            productIds[p] = Binary.fromString(data.productId(p));
        }
        clock.lap(Phase.MASK);

        int batch = options.rowsPerBatch(customers, products);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // direct, native-order buffers: ONNX Runtime reads them in place, so the tensors are made once and refilled
        FloatBuffer mask = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(batch, products), Float.BYTES))
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        LongBuffer index = ByteBuffer.allocateDirect(batch * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        LongBuffer topProducts = ByteBuffer.allocateDirect(batch * k * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer();
        FloatBuffer topScores = ByteBuffer.allocateDirect(batch * k * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();

        int lists = 0;
        Path target = Path.of(task.outputFile());
        try (RecommendationsFile.Writer writer = task.arms() == null
                ? RecommendationsFile.open(target, task.tenantId(), task.modelVersion(), task.runDate())
                : RecommendationsFile.openWithArms(target, task.tenantId(), task.modelVersion(), task.runDate());
             BatchTensors full = new BatchTensors(env, batch, products, k, index, mask, topProducts, topScores);
             OnnxTensor kTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {k}), new long[] {1})) {
            if (task.arms() != null) {
                writer.arm(task.arm(), task.modelVersion());
            }
            BatchTensors tail = null;
            try {
                for (int first = 0; first < customers; first += batch) {
                    int n = Math.min(batch, customers - first);
                    for (int row = 0; row < n; row++) {
                        int c = boxed[first + row];
                        index.put(row, c);
                        masks.fill(mask, row, c);
                    }
                    clock.lap(Phase.MASK);

                    BatchTensors tensors = full;
                    if (n < batch) {
                        tail = new BatchTensors(env, n, products, k, index.slice(0, n), mask.slice(0, n * products),
                                topProducts.slice(0, n * k), topScores.slice(0, n * k));
                        tensors = tail;
                    }
                    session.run(tensors.inputs(kTensor), tensors.outputs()).close(); // outputs are pinned, not owned
                    clock.lap(Phase.RUN);

                    for (int row = 0; row < n; row++) {
                        Binary customerId = Binary.fromString(data.customerId(boxed[first + row]));
                        int base = row * k;
                        int count = 0;
                        // best first; masked products (-Infinity) fill the tail when fewer than k are allowed
                        while (count < k && topScores.get(base + count) != Float.NEGATIVE_INFINITY) {
                            if (Float.isNaN(topScores.get(base + count))) {
                                throw new ScoringException("the champion model v" + task.modelVersion()
                                        + " scores NaN for customer '" + data.customerId(boxed[first + row])
                                        + "'; retrain the tenant or roll back its model");
                            }
                            count++;
                        }
                        if (count == 0 || (minScore != null && topScores.get(base) < minScore)) {
                            writer.addEmptyList(customerId);
                            continue;
                        }
                        for (int j = 0; j < count; j++) {
                            writer.addRanked(customerId, j + 1, productIds[(int) topProducts.get(base + j)],
                                    topScores.get(base + j));
                        }
                        lists++;
                    }
                    clock.lap(Phase.WRITE);
                }
            } finally {
                if (tail != null) {
                    tail.close();
                }
            }
            writer.commit();
            clock.lap(Phase.WRITE);
            return new Counts(lists, writer.rows(), customers);
        }
    }

    /** The input and pinned output tensors of one batch shape, over caller-owned direct buffers. */
    private static final class BatchTensors implements AutoCloseable {
        final OnnxTensor index;
        final OnnxTensor mask;
        final OnnxTensor topProducts;
        final OnnxTensor topScores;

        BatchTensors(OrtEnvironment env, int rows, int products, int k, LongBuffer index, FloatBuffer mask,
                     LongBuffer topProducts, FloatBuffer topScores) throws OrtException {
            this.index = OnnxTensor.createTensor(env, index, new long[] {rows});
            this.mask = OnnxTensor.createTensor(env, mask, new long[] {rows, products});
            this.topProducts = OnnxTensor.createTensor(env, topProducts, new long[] {rows, k});
            this.topScores = OnnxTensor.createTensor(env, topScores, new long[] {rows, k});
        }

        Map<String, OnnxTensor> inputs(OnnxTensor k) {
            Map<String, OnnxTensor> inputs = new HashMap<>(4);
            inputs.put(OnnxRankingModelExporter.CUSTOMER_INDEX, index);
            inputs.put(OnnxRankingModelExporter.SCORE_MASK, mask);
            inputs.put(OnnxRankingModelExporter.K, k);
            return inputs;
        }

        Map<String, OnnxValue> outputs() {
            Map<String, OnnxValue> outputs = new HashMap<>(4);
            outputs.put(OnnxRankingModelExporter.TOP_PRODUCTS, topProducts);
            outputs.put(OnnxRankingModelExporter.TOP_SCORES, topScores);
            return outputs;
        }

        @Override
        public void close() {
            index.close();
            mask.close();
            topProducts.close();
            topScores.close();
        }
    }

    private static String describe(ScoringTask task, Exception e) {
        String prefix = "tenant '" + task.tenantId() + "': ";
        String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
        if (e instanceof OrtException) {
            message = "ONNX Runtime failed: " + message;
        } else if (!(e instanceof ScoringException) && !message.startsWith(prefix)) {
            message = e.getClass().getSimpleName() + ": " + message;
        }
        return message.startsWith(prefix) ? message : prefix + message;
    }

    /** A tenant problem with a message fit for operators (the tenant prefix is added by {@link #describe}). */
    private static final class ScoringException extends RuntimeException {
        ScoringException(String message) {
            super(message);
        }

        ScoringException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private enum Phase { READ, FOLD_EXPORT, SESSION, MASK, RUN, WRITE }

    /** Adds the time since the previous lap to a phase. */
    private static final class Clock {
        private final long[] nanos = new long[Phase.values().length];
        private long last = System.nanoTime();

        void lap(Phase phase) {
            long now = System.nanoTime();
            nanos[phase.ordinal()] += now - last;
            last = now;
        }

        ScoringResult.Phases phases() {
            return new ScoringResult.Phases(nanos[0], nanos[1], nanos[2], nanos[3], nanos[4], nanos[5]);
        }
    }
}
