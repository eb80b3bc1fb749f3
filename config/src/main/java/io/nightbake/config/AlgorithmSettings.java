package io.nightbake.config;

import java.util.Map;

/** Which trainer the template uses and its hyper-parameters. */
public record AlgorithmSettings(String name, int factors, int epochs, double learningRate, double initVariance, long seed) {

    public static final String TRIBUO_FM = "tribuo-fm";

    /** The hyper-parameters as recorded in a model version's lineage. */
    public Map<String, Object> hyperParameters() {
        return Map.of("factors", factors, "epochs", epochs, "learning-rate", learningRate,
                "init-variance", initVariance, "seed", seed);
    }
}
