package io.nightbake.serving;

import io.nightbake.scoring.RecommendationsFile;
import java.nio.file.Path;

/**
 * A published snapshot file that cannot be served: missing, unreadable, or breaking the snapshot contract
 * ({@link RecommendationsFile}). The message names the file, the column when there is one, and what to fix. The
 * tenant's current index stays in service.
 */
public class SnapshotLoadException extends RuntimeException {

    private final transient Path file;
    private final String column;

    public SnapshotLoadException(Path file, String column, String problem) {
        this(file, column, problem, null);
    }

    public SnapshotLoadException(Path file, String column, String problem, Throwable cause) {
        super("snapshot " + file + (column == null ? "" : ", column '" + column + "'") + ": " + problem, cause);
        this.file = file;
        this.column = column;
    }

    /** The snapshot file. */
    public Path file() {
        return file;
    }

    /** The column at fault, or null when the problem is the file as a whole. */
    public String column() {
        return column;
    }
}
