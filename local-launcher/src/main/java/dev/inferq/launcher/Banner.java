package dev.inferq.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ./run-local} prints once everything is ready: where each service is, the console and the API
 * description, and examples that run as printed, pasted into any shell in any folder: they name a committed sample
 * image by its absolute path, take the job id from the submit answer instead of a placeholder, and in required mode
 * send the key from {@code $INFERQ_API_KEY} (the variable the Python client and CLI read too).
 *
 * @param models the model folders' names, sorted
 * @param sampleImage an image to submit: the repository's {@value #SAMPLE_IMAGE}
 */
record Banner(String elapsed, int gatewayPort, List<Integer> workerPorts, String kafka, String redis,
              String modelsDir, List<String> models, Path logDir, String authMode, Path sampleImage) {

    /** A committed JPEG (loadtest/samples/make_images.py draws it; no third-party rights). */
    static final String SAMPLE_IMAGE = "loadtest/samples/images/house_scene.jpg";

    private static final String RULE =
            "==================================================================================";

    boolean open() {
        return authMode.equalsIgnoreCase("open");
    }

    List<String> lines() {
        String g = "http://localhost:" + gatewayPort;
        List<String> out = new ArrayList<>();
        out.add("");
        out.add(RULE);
        out.add(" inferq is ready in " + elapsed + "   (Ctrl-C stops everything)");
        out.add(RULE);
        out.add(" Console          " + g + "/console/   (submit jobs and watch them in a browser)");
        out.add(" API docs         " + g + "/docs   (Swagger UI; the OpenAPI document is " + g + "/openapi.json)");
        out.add(" Gateway          " + g);
        out.add("   auth           " + authMode + (open()
                ? " (no API keys; set INFERQ_AUTH_MODE=required INFERQ_API_KEYS=tenant:key,...)"
                : " (Authorization: Bearer <key>; keys from INFERQ_API_KEYS, admin key INFERQ_ADMIN_KEY)"));
        out.add("   submit job     POST " + g + "/v1/models/{model}/jobs   models: " + String.join(", ", models));
        out.add("   job status     GET  " + g + "/v1/jobs/{id}");
        out.add("   job events     GET  " + g + "/v1/jobs/{id}/events   (SSE)");
        out.add("   health         " + g + "/actuator/health");
        for (int port : workerPorts) {
            out.add(" Worker health    http://localhost:" + port + "/actuator/health");
        }
        out.add(" Kafka bootstrap  " + kafka);
        out.add(" Redis            " + redis);
        out.add(" Models           " + modelsDir);
        out.add(" Logs             " + logDir);
        out.add("");
        out.add(" Try (paste into any shell):");
        out.addAll(examples());
        out.add(RULE);
        return out;
    }

    /** Shell lines, each complete as printed (BannerTest runs them through {@code bash -n}). */
    List<String> examples() {
        String h = "localhost:" + gatewayPort;
        String key = open() ? "" : "-H \"Authorization: Bearer $INFERQ_API_KEY\" ";
        List<String> out = new ArrayList<>();
        if (!open()) {
            // The key itself is never printed: the line takes the first one from the shell's own INFERQ_API_KEYS.
            out.add("   export INFERQ_API_KEY=$(echo \"$INFERQ_API_KEYS\" | cut -d, -f1 | cut -d: -f2-)"
                    + "   # your first key");
        }
        out.add("   curl -s " + key + h + "/v1/models");
        if (models.contains("sentiment")) {
            out.add("   curl -s " + key + "-H 'Prefer: wait=10' -H 'Content-Type: application/json' "
                    + "-d '{\"inputs\":[\"I loved it\",\"worst film ever\"]}' " + h + "/v1/models/sentiment/jobs");
        }
        if (models.contains("image") && Files.isRegularFile(sampleImage)) {
            out.add("   id=$(curl -s " + key + "-F " + quoted("file=@" + sampleImage) + " " + h
                    + "/v1/models/image/jobs | sed 's/.*\"id\":\"\\([^\"]*\\)\".*/\\1/'); echo $id");
            out.add("   curl -sN " + key + h + "/v1/jobs/$id/events   # follows the job until it ends");
            out.add("   curl -s " + key + h + "/v1/jobs/$id");
        }
        return out;
    }

    /** Single-quoted for the shell. */
    private static String quoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
