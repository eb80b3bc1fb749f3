package io.nightbake.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.nightbake.retrain.model.ModelArtifacts;
import java.nio.file.Files;
import java.nio.file.Path;

/** A registered model version must have every one of its files, each readable. */
public final class ModelArtifactsCheck {

    private ModelArtifactsCheck() {
    }

    public static void assertComplete(Path dir) {
        for (String file : new String[] {ModelArtifacts.PARAMETERS, ModelArtifacts.RANKING_GRAPH, ModelArtifacts.RANKING_IDS}) {
            assertThat(dir.resolve(file)).as("model file %s", dir.resolve(file)).exists();
        }
        assertThat(ModelArtifacts.readModel(dir).featureNames()).isNotEmpty();
        assertThat(ModelArtifacts.readRankingIds(dir)).hasSize(2);
        assertThat(Files.exists(dir.resolve(ModelArtifacts.PARAMETERS + ".tmp"))).isFalse();
    }
}
