"""SQS consumer: the slow part of every conversation."""

from devrel.handlers.lambda_support import event_lambda
from devrel.usecases.dispatch import process_sqs_batch

lambda_handler = event_lambda("worker", process_sqs_batch)
