package io.nightbake.client;

import java.nio.file.Path;

/** A serving file that cannot be used: missing, unreadable, of another version, truncated or damaged. */
public class ServingFileException extends RuntimeException {

    private final transient Path file;

    public ServingFileException(Path file, String problem) {
        this(file, problem, null);
    }

    public ServingFileException(Path file, String problem, Throwable cause) {
        super("serving file " + file + " " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
