"""The floor: an empty CDK app, synthesized the same way as ours."""

from aws_cdk import App, Stack

app = App()
Stack(app, "Empty")
app.synth()
