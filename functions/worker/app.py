"""SQS consumer: the slow part of every conversation (see devrel.handlers.worker)."""

from devrel.handlers.lambda_support import event_lambda
from devrel.handlers.worker import process_sqs_batch

lambda_handler = event_lambda("worker", process_sqs_batch)
