package io.nightbake.retrain.model;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of one model version, in its own folder: the factorization machine's parameters
 * ({@value #PARAMETERS}: the model the gate scores, e.g. the rating model), the served ranking model
 * ({@value #RANKING_MODEL}: what the lists are ordered by, e.g. a blend; absent for versions from before it existed,
 * whose lists are ordered by the parameters' model), the ONNX ranking graph ({@value #RANKING_GRAPH}) and the customer and product ids
 * of the graph's rows ({@value #RANKING_IDS}). Files are written under temporary names and moved into place,
 * so a crash never leaves a half-written file behind a registered version.
 */
public final class ModelArtifacts {

    public static final String PARAMETERS = "factorization-machine.bin";
    public static final String RANKING_GRAPH = "ranking.onnx";
    public static final String RANKING_IDS = "ranking-ids.bin";
    public static final String RANKING_MODEL = "ranking-model.bin";

    private ModelArtifacts() {
    }

    public static void write(Path dir, FactorizationMachine model, RankingFactors ranking, byte[] rankingGraph) {
        write(dir, model, null, ranking, rankingGraph);
    }

    /** Writes the files; {@code rankingModel} null: the lists are ordered by {@code model}. */
    public static void write(Path dir, FactorizationMachine model, FactorizationMachine rankingModel, RankingFactors ranking,
                             byte[] rankingGraph) {
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(PARAMETERS), model::write);
            if (rankingModel != null) {
                writeAtomically(dir.resolve(RANKING_MODEL), rankingModel::write);
            }
            writeAtomically(dir.resolve(RANKING_GRAPH), out -> out.write(rankingGraph));
            writeAtomically(dir.resolve(RANKING_IDS), out -> writeIds(out, ranking.customerIds(), ranking.productIds()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model files to " + dir + ": " + e.getMessage(), e);
        }
    }

    public static FactorizationMachine readModel(Path dir) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(dir.resolve(PARAMETERS)))) {
            return FactorizationMachine.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model parameters " + dir.resolve(PARAMETERS) + ": " + e.getMessage(), e);
        }
    }

    /** The model the version's lists are ordered by: {@value #RANKING_MODEL}, or the parameters when it has none. */
    public static FactorizationMachine readRankingModel(Path dir) {
        Path file = dir.resolve(RANKING_MODEL);
        if (!Files.exists(file)) {
            return readModel(dir);
        }
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return FactorizationMachine.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ranking model " + file + ": " + e.getMessage(), e);
        }
    }

    /** The customer ids (index 0) and product ids (index 1) of the ranking graph's rows. */
    public static List<List<String>> readRankingIds(Path dir) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(dir.resolve(RANKING_IDS))))) {
            return List.of(readList(in), readList(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read ranking ids " + dir.resolve(RANKING_IDS) + ": " + e.getMessage(), e);
        }
    }

    private interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private static void writeAtomically(Path target, Writer writer) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temp))) {
            writer.write(out);
        }
        Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeIds(OutputStream stream, List<String> customers, List<String> products) throws IOException {
        DataOutputStream out = new DataOutputStream(stream);
        for (List<String> ids : List.of(customers, products)) {
            out.writeInt(ids.size());
            for (String id : ids) {
                out.writeUTF(id);
            }
        }
        out.flush();
    }

    private static List<String> readList(DataInputStream in) throws IOException {
        int size = in.readInt();
        List<String> ids = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            ids.add(in.readUTF());
        }
        return ids;
    }
}
