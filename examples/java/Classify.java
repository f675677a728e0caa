import dev.inferq.client.InferqClient;
import dev.inferq.client.InferqException;
import dev.inferq.client.InferqProblemException;
import dev.inferq.contract.JobRecord;
import dev.inferq.contract.JobStatus;
import dev.inferq.contract.Prediction;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Classifies texts with one of the gateway's text models and prints one line per text: label, score, text. The
 * gateway is found in INFERQ_URL (default http://localhost:8080), the key in INFERQ_API_KEY (when the gateway
 * requires one). Exit codes: 0 classified, 1 the job or the gateway failed, 2 wrong usage.
 *
 * <pre>
 * java -cp "$CLASSPATH" examples/java/Classify.java sentiment "I loved it" "worst film ever"
 * </pre>
 */
public class Classify {

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: Classify MODEL TEXT [TEXT...]   (e.g. Classify sentiment \"I loved it\")");
            System.exit(2);
        }
        List<String> texts = Arrays.asList(args).subList(1, args.length);
        try (InferqClient inferq = InferqClient.fromEnv()) {
            JobRecord done = inferq.classify(args[0], texts, Duration.ofSeconds(60));
            if (done.status() != JobStatus.SUCCEEDED) {
                System.err.println("job " + done.id() + " ended " + done.status() + ": " + done.error());
                System.exit(1);
            }
            for (int i = 0; i < texts.size(); i++) {
                Prediction prediction = done.predictions().get(i);
                System.out.printf("%s\t%.3f\t%s%n", prediction.label(), prediction.score(), texts.get(i));
            }
        } catch (InferqProblemException refused) {
            System.err.println(refused.kind() + ": " + refused.getMessage());
            System.exit(1);
        } catch (InferqException failed) {
            System.err.println(failed.getMessage());
            System.exit(1);
        }
    }
}
