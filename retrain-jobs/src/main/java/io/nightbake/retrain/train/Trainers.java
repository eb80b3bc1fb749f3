package io.nightbake.retrain.train;

import io.nightbake.config.AlgorithmSettings;

/** The trainer a template's {@code algorithm.name} asks for. */
public final class Trainers {

    private Trainers() {
    }

    public static Trainer forSettings(AlgorithmSettings settings) {
        return switch (settings.name()) {
            case AlgorithmSettings.TRIBUO_FM -> new TribuoFmTrainer(settings);
            case AlgorithmSettings.BIASED_MF -> new BiasedMatrixFactorizationTrainer(settings);
            default -> throw new IllegalArgumentException("unknown algorithm '" + settings.name() + "'; allowed values: "
                    + String.join(", ", AlgorithmSettings.NAMES));
        };
    }
}
