package dev.inferq.contract;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Objects;

/** What a job asks the model to classify: texts inline, or one image by reference to bytes stored beside the job. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = JobInput.Texts.class, name = "texts"),
    @JsonSubTypes.Type(value = JobInput.Image.class, name = "image")
})
public sealed interface JobInput {

    /** How many predictions the job produces. */
    int count();

    /** One or more texts, each classified on its own. */
    record Texts(List<String> texts) implements JobInput {
        public Texts {
            texts = List.copyOf(Objects.requireNonNull(texts, "texts"));
            if (texts.isEmpty()) {
                throw new IllegalArgumentException("texts must not be empty");
            }
        }

        @Override
        public int count() {
            return texts.size();
        }
    }

    /**
     * One image whose bytes are stored in Redis under the job (see {@link JobNames#inputKey}), so that
     * Kafka messages stay small whatever the image size.
     */
    record Image(String contentType, long sizeBytes) implements JobInput {
        public Image {
            Objects.requireNonNull(contentType, "contentType");
        }

        @Override
        public int count() {
            return 1;
        }
    }
}
