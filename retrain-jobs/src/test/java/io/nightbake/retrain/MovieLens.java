package io.nightbake.retrain;

import io.nightbake.retrain.data.TenantDataset;
import io.nightbake.retrain.pipeline.HoldoutSplit;
import io.nightbake.retrain.quality.MovieLensFolds;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * MovieLens-100K (../shared/data) as one tenant: users are customers, movies are products (category = first genre),
 * and a standard fold's test file is the holdout, so results compare with published figures (see {@link MovieLensFolds}).
 */
public final class MovieLens {

    public record Fold(TenantDataset data, HoldoutSplit split) {
    }

    public static Path dir() {
        Path dir = Path.of(System.getProperty("nightbake.shared.data", "../../shared/data")).resolve("movielens-100k");
        Assumptions.assumeTrue(Files.isDirectory(dir), "MovieLens-100K not found at " + dir);
        return dir;
    }

    public static Fold fold(int k) {
        MovieLensFolds.Fold fold = MovieLensFolds.load(dir(), k);
        return new Fold(fold.data(), fold.split());
    }
}
