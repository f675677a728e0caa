package dev.inferq.common.model;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What a model does, named as DJL names its applications in {@code serving.properties}. */
public enum ModelTask {
    TEXT_CLASSIFICATION("nlp/text_classification", "text-classification"),
    IMAGE_CLASSIFICATION("cv/image_classification", "image-classification");

    private final String djlApplication;
    private final String apiName;

    ModelTask(String djlApplication, String apiName) {
        this.djlApplication = djlApplication;
        this.apiName = apiName;
    }

    /** The name clients see, e.g. {@code text-classification}. */
    @JsonValue
    public String apiName() {
        return apiName;
    }

    /** Looks a task up by DJL's {@code application} value; errors list the supported ones. */
    public static ModelTask fromDjlApplication(String application) {
        return Arrays.stream(values())
                .filter(task -> task.djlApplication.equals(application))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unsupported application '" + application
                        + "'; supported: " + Arrays.stream(values()).map(task -> task.djlApplication)
                                .collect(Collectors.joining(", "))));
    }
}
