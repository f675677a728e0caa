"""Client and command line for inferq, the queue-backed asynchronous ML inference platform.

    from inferq import TERMINAL, Client
    client = Client()                                   # $INFERQ_URL, $INFERQ_API_KEY
    job = client.submit_texts("sentiment", ["I loved it"], wait=10)
    done = job if job["status"] in TERMINAL else client.wait(job["id"], 60)
    print(done["predictions"][0]["label"])
"""

from inferq.client import TERMINAL, Client, GatewayUnreachable, InferqError, Job

__all__ = ["Client", "GatewayUnreachable", "InferqError", "Job", "TERMINAL"]
__version__ = "0.1.0"
