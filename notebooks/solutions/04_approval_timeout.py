# Notebook 04, exercise "An approval nobody answers": one solution. Paste it into the
# exercise cell (it uses the notebook's lam, deployed, params, json and conversation_name).

# 1. The function's environment, with a 20 s approval timeout.
config = lam.get_function_configuration(FunctionName=deployed.function)
variables = {**config["Environment"]["Variables"], "APPROVAL_TIMEOUT_SECONDS": "20"}
lam.update_function_configuration(
    FunctionName=deployed.function, Environment={"Variables": variables}
)

# 2. Wait until the update is done, then freeze it as a version (live stays as it is).
lam.get_waiter("function_updated_v2").wait(FunctionName=deployed.function)
version = lam.publish_version(FunctionName=deployed.function)["Version"]

# 3. A conversation on that version; answer nothing.
exercise_arn = lam.invoke(
    FunctionName=deployed.function,
    Qualifier=version,
    InvocationType="Event",
    DurableExecutionName=conversation_name(),
    Payload=json.dumps({"query": params.query}),
)["DurableExecutionArn"]
print("started on version", version)
