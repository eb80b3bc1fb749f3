package io.nightbake.retrain.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.nightbake.retrain.model.RankingFactors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class OnnxRankingModelExporterTest {

    private static final int CUSTOMERS = 50;
    private static final int PRODUCTS = 200;
    private static final int RANK = 16;
    private static final float TOLERANCE = 1e-4f;

    private static RankingFactors factors;
    private static byte[] model;
    private static OrtEnvironment env;
    private static OrtSession session;

    @BeforeAll
    static void exportAndLoad() throws OrtException {
        factors = randomFactors(new Random(42));
        model = OnnxRankingModelExporter.export(factors, "tenant_test_ranking");
        env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            session = env.createSession(model, options);
        }
    }

    @AfterAll
    static void close() throws OrtException {
        if (session != null) {
            session.close();
        }
    }

    @Test
    void modelDeclaresTheContractNamesTypesAndOpset() throws Exception {
        ModelProto proto = ModelProto.parseFrom(model);
        assertThat(proto.getProducerName()).isEqualTo("nightbake");
        assertThat(proto.getGraph().getName()).isEqualTo("tenant_test_ranking");
        assertThat(proto.getOpsetImportList()).singleElement()
                .satisfies(opset -> {
                    assertThat(opset.getDomain()).isEmpty();
                    assertThat(opset.getVersion()).isEqualTo(13L);
                });
        assertThat(proto.getGraph().getNodeList()).extracting(n -> n.getOpType())
                .contains("Gather", "MatMul", "Add", "TopK");

        Map<String, NodeInfo> inputs = session.getInputInfo();
        assertThat(inputs.keySet()).containsExactlyInAnyOrder(
                OnnxRankingModelExporter.CUSTOMER_INDEX, OnnxRankingModelExporter.SCORE_MASK, OnnxRankingModelExporter.K);
        assertTensor(inputs.get(OnnxRankingModelExporter.CUSTOMER_INDEX), OnnxJavaType.INT64, -1);
        assertTensor(inputs.get(OnnxRankingModelExporter.SCORE_MASK), OnnxJavaType.FLOAT, -1, PRODUCTS);
        assertTensor(inputs.get(OnnxRankingModelExporter.K), OnnxJavaType.INT64, 1);
        Map<String, NodeInfo> outputs = session.getOutputInfo();
        assertThat(outputs.keySet()).containsExactlyInAnyOrder(
                OnnxRankingModelExporter.TOP_PRODUCTS, OnnxRankingModelExporter.TOP_SCORES);
        assertTensor(outputs.get(OnnxRankingModelExporter.TOP_PRODUCTS), OnnxJavaType.INT64, -1, -1);
        assertTensor(outputs.get(OnnxRankingModelExporter.TOP_SCORES), OnnxJavaType.FLOAT, -1, -1);
    }

    @Test
    void wholeBatchUnmaskedMatchesBruteForceRanking() throws OrtException {
        int[] customers = IntStream.range(0, CUSTOMERS).toArray();
        float[][] mask = new float[CUSTOMERS][PRODUCTS];
        TopK top = run(customers, mask, 10);

        assertThat(top.products).hasDimensions(CUSTOMERS, 10);
        for (int row = 0; row < customers.length; row++) {
            assertMatchesBruteForce(customers[row], mask[row], top, row);
        }
    }

    @Test
    void maskedProductsNeverAppearWhileEnoughUnmaskedOnesExist() throws OrtException {
        Random random = new Random(7);
        int[] customers = {3, 17, 17, 49, 0};
        float[][] mask = new float[customers.length][PRODUCTS];
        for (int row = 0; row < customers.length; row++) {
            // mask about half the catalogue, always including the customer's five best products
            for (int p = 0; p < PRODUCTS; p++) {
                mask[row][p] = random.nextBoolean() ? Float.NEGATIVE_INFINITY : 0f;
            }
            for (int p : bruteForceRanking(customers[row], new float[PRODUCTS]).subList(0, 5)) {
                mask[row][p] = Float.NEGATIVE_INFINITY;
            }
        }
        int k = 20;
        TopK top = run(customers, mask, k);

        for (int row = 0; row < customers.length; row++) {
            for (long p : top.products[row]) {
                assertThat(mask[row][(int) p]).as("customer %d got masked product %d", customers[row], p).isZero();
            }
            assertMatchesBruteForce(customers[row], mask[row], top, row);
        }
    }

    @Test
    void whenFewerThanKProductsAreUnmaskedTheTailIsMinusInfinity() throws OrtException {
        float[][] mask = new float[1][PRODUCTS];
        Arrays.fill(mask[0], Float.NEGATIVE_INFINITY);
        mask[0][11] = 0f;
        mask[0][150] = 0f;
        TopK top = run(new int[]{5}, mask, 4);

        assertThat(top.products[0][0]).isIn(11L, 150L);
        assertThat(top.products[0][1]).isIn(11L, 150L);
        assertThat(top.scores[0][2]).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(top.scores[0][3]).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    @Test
    void kCanVaryPerCallOnTheSameSession() throws OrtException {
        int[] customers = {1, 2, 3};
        float[][] mask = new float[customers.length][PRODUCTS];
        for (int k : new int[]{1, 7, 33, PRODUCTS}) {
            TopK top = run(customers, mask, k);
            assertThat(top.products).hasDimensions(customers.length, k);
            assertThat(top.scores).hasDimensions(customers.length, k);
            for (int row = 0; row < customers.length; row++) {
                assertMatchesBruteForce(customers[row], mask[row], top, row);
            }
        }
    }

    @Test
    void rejectsFactorsWithoutProducts() {
        RankingFactors empty = new RankingFactors(List.of("c"), List.of(), 2, new float[2], new float[1], new float[0], new float[0]);
        assertThatThrownBy(() -> OnnxRankingModelExporter.export(empty, "g"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 products");
    }

    /** Positions must equal the brute-force ranking over unmasked products, except between near-tied scores. */
    private static void assertMatchesBruteForce(int customer, float[] mask, TopK top, int row) {
        List<Integer> expected = bruteForceRanking(customer, mask);
        for (int i = 0; i < top.products[row].length; i++) {
            int actual = (int) top.products[row][i];
            float actualScore = top.scores[row][i];
            assertThat(actualScore).as("customer %d position %d score", customer, i)
                    .isCloseTo(factors.score(customer, actual), within(TOLERANCE));
            int wanted = expected.get(i);
            assertThat(actualScore).as("customer %d position %d vs brute force", customer, i)
                    .isCloseTo(factors.score(customer, wanted), within(TOLERANCE));
            if (actual != wanted) {
                assertThat(Math.abs(factors.score(customer, actual) - factors.score(customer, wanted)))
                        .as("customer %d position %d: product %d instead of %d without a tie", customer, i, actual, wanted)
                        .isLessThan(TOLERANCE);
            }
        }
    }

    /** All unmasked products of a customer, best first. */
    private static List<Integer> bruteForceRanking(int customer, float[] mask) {
        List<Integer> ranking = new ArrayList<>();
        for (int p = 0; p < PRODUCTS; p++) {
            if (mask[p] == 0f) {
                ranking.add(p);
            }
        }
        ranking.sort(Comparator.comparingDouble((Integer p) -> factors.score(customer, p)).reversed());
        return ranking;
    }

    private static TopK run(int[] customers, float[][] mask, long k) throws OrtException {
        long[] indices = Arrays.stream(customers).asLongStream().toArray();
        try (OnnxTensor customerIndex = OnnxTensor.createTensor(env, indices);
             OnnxTensor scoreMask = OnnxTensor.createTensor(env, mask);
             OnnxTensor kTensor = OnnxTensor.createTensor(env, new long[]{k});
             OrtSession.Result result = session.run(Map.of(
                     OnnxRankingModelExporter.CUSTOMER_INDEX, customerIndex,
                     OnnxRankingModelExporter.SCORE_MASK, scoreMask,
                     OnnxRankingModelExporter.K, kTensor))) {
            long[][] products = (long[][]) result.get(OnnxRankingModelExporter.TOP_PRODUCTS).orElseThrow().getValue();
            float[][] scores = (float[][]) result.get(OnnxRankingModelExporter.TOP_SCORES).orElseThrow().getValue();
            return new TopK(products, scores);
        }
    }

    private record TopK(long[][] products, float[][] scores) {
    }

    private static void assertTensor(NodeInfo node, OnnxJavaType type, long... shape) {
        assertThat(node.getInfo()).isInstanceOfSatisfying(TensorInfo.class, info -> {
            assertThat(info.type).isEqualTo(type);
            assertThat(info.getShape()).containsExactly(shape);
        });
    }

    private static RankingFactors randomFactors(Random random) {
        List<String> customerIds = IntStream.range(0, CUSTOMERS).mapToObj(i -> "c" + i).toList();
        List<String> productIds = IntStream.range(0, PRODUCTS).mapToObj(i -> "p" + i).toList();
        return new RankingFactors(customerIds, productIds, RANK,
                gaussian(random, CUSTOMERS * RANK), gaussian(random, CUSTOMERS),
                gaussian(random, PRODUCTS * RANK), gaussian(random, PRODUCTS));
    }

    private static float[] gaussian(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
