package io.nightbake.retrain.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnx.proto.OnnxMl.Version;
import io.nightbake.retrain.model.RankingFactors;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.util.List;
import java.util.Map;

/**
 * Exports {@link RankingFactors} as an ONNX graph that scores a batch of customers against every product and
 * returns each customer's top k products:
 * <pre>
 *   scores = Gather(customer_factors, customer_index) x product_factors^T
 *          + Gather(customer_bias, customer_index) + product_bias + score_mask
 *   top_scores, top_products = TopK(scores, k, axis=-1, largest=1, sorted=1)
 * </pre>
 * {@code score_mask} is additive: 0 keeps a product, {@code -Infinity} excludes it. {@code k} must not exceed the
 * product count (ONNX Runtime rejects it); when fewer than k products are unmasked, the tail of a row holds masked
 * products with score {@code -Infinity}, which the caller drops.
 */
public final class OnnxRankingModelExporter {

    /** Input: int64 [batch], row indices of the customers to score (positions in {@link RankingFactors#customerIds()}). */
    public static final String CUSTOMER_INDEX = "customer_index";
    /** Input: float [batch, nProducts], additive mask (0 keeps, -Infinity excludes). */
    public static final String SCORE_MASK = "score_mask";
    /** Input: int64 [1], how many products to return per customer. */
    public static final String K = "k";
    /** Output: int64 [batch, k], product row indices (positions in {@link RankingFactors#productIds()}), best first. */
    public static final String TOP_PRODUCTS = "top_products";
    /** Output: float [batch, k], the scores of {@link #TOP_PRODUCTS} (mask included). */
    public static final String TOP_SCORES = "top_scores";

    public static final String PRODUCER_NAME = "nightbake";
    /** Version of this graph's contract (names, shapes, semantics); bump when it changes. */
    public static final long GRAPH_FORMAT_VERSION = 1;
    /** The ONNX opset of every node, Tribuo's ({@link ONNXOperators#getOpsetVersion()}). */
    public static final int OPSET_VERSION = ONNXOperators.getOpsetVersion();

    private static final String BATCH = "batch";

    private OnnxRankingModelExporter() {
    }

    /** Returns the serialized ONNX {@code ModelProto} of the ranking graph for {@code factors}. */
    public static byte[] export(RankingFactors factors, String graphName) {
        if (graphName == null || graphName.isBlank()) {
            throw new IllegalArgumentException("graphName must not be blank");
        }
        int customers = factors.customerCount();
        int products = factors.productCount();
        int rank = factors.rank();
        if (customers == 0 || products == 0 || rank < 1) {
            throw new IllegalArgumentException("cannot export a ranking model with " + customers + " customers, "
                    + products + " products and rank " + rank + ": all three must be at least 1");
        }

        ONNXContext ctx = new ONNXContext();
        ctx.setName(graphName);
        // ONNXContext only makes float [batch, n] placeholders: customer_index and k are retyped below.
        ONNXPlaceholder customerIndex = ctx.floatInput(CUSTOMER_INDEX, 1);
        ONNXPlaceholder scoreMask = ctx.floatInput(SCORE_MASK, products);
        ONNXPlaceholder k = ctx.floatInput(K, 1);

        ONNXInitializer customerFactors = ctx.floatTensor("customer_factors", List.of(customers, rank),
                buffer -> buffer.put(factors.customerFactors()));
        ONNXInitializer customerBias = ctx.floatTensor("customer_bias", List.of(customers, 1),
                buffer -> buffer.put(factors.customerBias()));
        ONNXInitializer productFactorsTransposed = ctx.floatTensor("product_factors_t", List.of(rank, products),
                buffer -> buffer.put(transpose(factors.productFactors(), products, rank)));
        ONNXInitializer productBias = ctx.array("product_bias", factors.productBias());

        Map<String, Object> rowsAxis = Map.of("axis", 0);
        ONNXNode scores = customerFactors.apply(ONNXOperators.GATHER, customerIndex, rowsAxis)     // [batch, rank]
                .apply(RankingOnnxOperators.MAT_MUL, productFactorsTransposed)                   // [batch, products]
                .apply(ONNXOperators.ADD, customerBias.apply(ONNXOperators.GATHER, customerIndex, rowsAxis)) // + [batch, 1]
                .apply(ONNXOperators.ADD, productBias)                                           // + [products]
                .apply(ONNXOperators.ADD, scoreMask);
        List<ONNXNode> top = scores.apply(RankingOnnxOperators.TOP_K, List.<ONNXRef<?>>of(k),
                List.of("top_values", "top_indices"), Map.of("axis", -1, "largest", 1, "sorted", 1));
        // operation outputs get a unique suffix ("_0"); Identity nodes give the outputs their exact names.
        ctx.assignTo(top.get(0), ctx.floatOutput(TOP_SCORES, 1));
        ctx.assignTo(top.get(1), ctx.floatOutput(TOP_PRODUCTS, 1));

        GraphProto.Builder graph = ctx.buildGraph().toBuilder();
        retype(graph.getInputBuilderList(), CUSTOMER_INDEX, DataType.INT64, BATCH);
        retype(graph.getInputBuilderList(), SCORE_MASK, DataType.FLOAT, BATCH, products);
        retype(graph.getInputBuilderList(), K, DataType.INT64, 1);
        retype(graph.getOutputBuilderList(), TOP_PRODUCTS, DataType.INT64, BATCH, K);
        retype(graph.getOutputBuilderList(), TOP_SCORES, DataType.FLOAT, BATCH, K);
        graph.setDocString("Top-k products per customer: Gather(customer rows) x product factors^T + biases + "
                + SCORE_MASK + ", then TopK.");

        return ModelProto.newBuilder()
                .setIrVersion(Version.IR_VERSION_2020_5_8_VALUE) // IR 7, the one that goes with opset 13
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName(PRODUCER_NAME)
                .setProducerVersion(String.valueOf(GRAPH_FORMAT_VERSION))
                .setDomain("io.nightbake.ranking")
                .setModelVersion(GRAPH_FORMAT_VERSION)
                .setDocString("Nightbake ranking model: " + customers + " customers, " + products
                        + " products, rank " + rank + ".")
                .addMetadataProps(entry("customer_count", customers))
                .addMetadataProps(entry("product_count", products))
                .addMetadataProps(entry("rank", rank))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static float[] transpose(float[] rowMajor, int rows, int cols) {
        float[] transposed = new float[rowMajor.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                transposed[c * rows + r] = rowMajor[r * cols + c];
            }
        }
        return transposed;
    }

    /** Sets the element type and shape of the named value; dims are Integer (fixed) or String (symbolic). */
    private static void retype(List<ValueInfoProto.Builder> values, String name, DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            TensorShapeProto.Dimension.Builder d = shape.addDimBuilder();
            if (dim instanceof Integer size) {
                d.setDimValue(size);
            } else {
                d.setDimParam((String) dim);
            }
        }
        ValueInfoProto.Builder value = values.stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no graph value named " + name));
        value.setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)));
    }

    private static StringStringEntryProto entry(String key, int value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(Integer.toString(value)).build();
    }
}
