package io.nightbake.retrain.pipeline;

import io.nightbake.model.ModelVersion;

/**
 * What retraining one tenant produced: the registered version and its decision.
 *
 * @param resumed true when the version had already been registered by an earlier attempt of the same run
 *                (a rerun after a crash), so nothing was trained again
 */
public record RetrainOutcome(ModelVersion version, int interactions, long trainMillis, long totalMillis, boolean resumed) {
}
