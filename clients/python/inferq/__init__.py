"""Client and command line for inferq, the queue-backed asynchronous ML inference platform.

    from inferq import Client, is_finished
    client = Client()                                   # $INFERQ_URL, $INFERQ_API_KEY
    job = client.submit_texts("sentiment", ["I loved it"], wait=10)
    done = job if is_finished(job) else client.wait(job["id"], 60)
    print(done["predictions"][0]["label"])
"""

from inferq.client import Client, GatewayUnreachable, InferqError, Job, is_finished

__all__ = ["Client", "GatewayUnreachable", "InferqError", "Job", "is_finished"]
__version__ = "0.1.0"
