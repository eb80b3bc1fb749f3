package io.nightbake.retrain.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The ONNX operators the ranking graph needs that Tribuo's {@link ONNXOperators} lacks, declared for the same
 * opset Tribuo uses ({@link ONNXOperators#getOpsetVersion()}, 13), so one opset import covers the whole graph.
 * In opset 13 these resolve to MatMul-13 and TopK-11 (k is an int64 input of shape [1]).
 */
public enum RankingOnnxOperators implements ONNXOperator {
    /** Matrix product with numpy broadcasting semantics. */
    MAT_MUL("MatMul", 2, 1, List.of()),
    /**
     * Top k along an axis; inputs (X, K), outputs (Values, Indices int64).
     * Attributes: {@code axis} (default -1), {@code largest} (default 1), {@code sorted} (default 1).
     */
    TOP_K("TopK", 2, 2, List.of(
            new ONNXAttribute("axis", AttributeType.INT, false),
            new ONNXAttribute("largest", AttributeType.INT, false),
            new ONNXAttribute("sorted", AttributeType.INT, false)));

    private final String opName;
    private final int numInputs;
    private final int numOutputs;
    private final Map<String, ONNXAttribute> attributes;
    private final Set<String> mandatoryAttributeNames;

    RankingOnnxOperators(String opName, int numInputs, int numOutputs, List<ONNXAttribute> attributes) {
        this.opName = opName;
        this.numInputs = numInputs;
        this.numOutputs = numOutputs;
        this.attributes = attributes.stream().collect(Collectors.toUnmodifiableMap(ONNXAttribute::getName, Function.identity()));
        this.mandatoryAttributeNames = attributes.stream().filter(ONNXAttribute::isMandatory)
                .map(ONNXAttribute::getName).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public String getOpName() {
        return opName;
    }

    @Override
    public int getNumInputs() {
        return numInputs;
    }

    @Override
    public int getNumOptionalInputs() {
        return 0;
    }

    @Override
    public int getNumOutputs() {
        return numOutputs;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return attributes;
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return mandatoryAttributeNames;
    }

    @Override
    public int getOpVersion() {
        return ONNXOperators.getOpsetVersion();
    }

    /** {@code null} means the default ONNX domain, as in Tribuo's own operators. */
    @Override
    public String getOpDomain() {
        return null;
    }

    /** Overridden: the interface's default calls {@code setDomain(null)}, which protobuf rejects. */
    @Override
    public OperatorSetIdProto opsetProto() {
        return ONNXOperators.getOpsetProto();
    }
}
