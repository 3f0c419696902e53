"""What runs in Lambda: the durable chatbot of the workshop (handler ``lambda_fn.app.handler``).

``app`` the durable handler and its loop; ``model_client`` Bedrock Converse; ``approvals`` the
SQS approval request and the callback answer; ``tools`` what the model may ask for;
``report`` the markdown report in S3; ``config`` the environment variables; ``aws`` the
boto3 clients; ``docs/`` the notes ``search_docs`` searches. Nothing here imports
``helpers/``: the zip holds this package alone (plus the SDK and boto3).
"""
