"""The cloud rehearsal's world: the `sam build` output run as Lambda would run it, the template's
resources on moto in server mode, OpenSearch Serverless, the model endpoints and the platform APIs
as local stand-ins, and the operator's deploy-time steps (filling the secret). Everything talks
over real HTTP."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest
from botocore.credentials import Credentials
from moto.server import ThreadedMotoServer
from nacl.signing import SigningKey
from osmem_server import OsmemServer

from devrel.models.catalog import resolve_gguf
from devrel.models.local_server import LocalLlmServer
from e2e.test_serve_platforms import PlatformApi
from e2e.test_serve_release import APPROVAL_CHANNEL, DISCORD_CHANNEL
from e2e.test_serve_release import REPO as RELEASE_REPOSITORY
from e2e.test_serve_release import Platforms as ReleaseApi
from e2e.test_serve_telegram import BotApi
from e2e.test_serve_triage import GithubStandIn
from support.aoss_standin import AossStandIn
from support.cloud_rehearsal import CloudRehearsal
from support.cloud_stack import ACCOUNT, Stack, deploy
from support.cloud_template import Resolver, load_template
from support.embeddings_server import EmbeddingsServer
from support.github_pulls import GitPullsStandIn
from support.knn_backend import KnnBackend
from support.stale_github import GithubStandIn as StaleGithubStandIn
from support.stand_in import Received, start_stand_in

REGION = "us-east-1"
STAGE = "rehearsal"
STACK = "devrel-rehearsal"
# The role credentials Lambda would hand every function (and the only ones the stand-in accepts).
ROLE_CREDENTIALS = Credentials("ASIAREHEARSAL0000001", "rehearsal-role-secret-key", "rehearsal-session-token")
COLLECTION_ID = "rehearsal0collection"
# What the platforms know the assistant by.
BOT_LOGIN = "devrel-bot"
DISCORD_APPLICATION_ID = "775799577604522054"
DIGEST_CHANNEL = "C0DIGEST"
PROJECT_REPOSITORY = "Codertocat/Hello-World"
TELEGRAM_BOT_USERNAME = "devrel_rehearsal_bot"
# StaleRepositories: what the daily sweep goes over (their API is the stale stand-ins', see Platforms);
# the first acts, the second's `.github/devrel.yml` asks for a dry run.
STALE_REPOSITORIES = ("Codertocat/stale-sweep", "Codertocat/stale-dry-run")
# ReleaseDiscourseCategory: where an approved release opens its announcement topic.
RELEASE_CATEGORY = 7
# ReindexTargets: a folder of the re-index function's /tmp, filled by the test (the sandbox has no
# network, so OWNER/NAME targets, which `git clone` from github.com, cannot be rehearsed here).
KNOWLEDGE_SOURCE = "/tmp/knowledge-source"
DISCORD_VECTORS = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "discord"
                              / "ed25519_test_vectors.json").read_text())
DISCORD_KEY = SigningKey(bytes.fromhex(DISCORD_VECTORS["rfc8032_test1"]["secret_key_hex"]))
# The platform credentials an operator puts into the secret after the first deploy.
OPERATOR_SECRETS = {
    "github_token": "ghp_rehearsal_token",
    "slack_signing_secret": "rehearsal-slack-signing-secret",
    "slack_bot_token": "xoxb-rehearsal",
    "slack_client_secret": "rehearsal-slack-client-secret",
    "discord_public_key": DISCORD_VECTORS["rfc8032_test1"]["public_key_hex"],
    "discord_bot_token": "rehearsal-discord-bot-token",
    "discourse_webhook_secret": "rehearsal-discourse-secret",
    "discourse_api_key": "rehearsal-discourse-key",
    "llm_api_key": "rehearsal-llm-key",
    # Telegram: the token BotFather gave, and the secret `devrel telegram register` sends setWebhook.
    "telegram_bot_token": "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawRehearsal",
    "telegram_webhook_secret": "rehearsal-telegram-webhook-secret",
    # The maintainers' token for /api/activity, /api/metrics and the dashboard's data.
    "api_admin_token": "rehearsal-admin-token",
}


@dataclass
class Platforms:
    """The GitHub, Slack, Discord, Discourse and Telegram APIs on one local server: GitHub's issue
    endpoints under /github answered by the triage stand-in, the project's files, commits and pull
    requests by the pull requests' stand-in once a test sets one (`pulls`), the stale sweep's
    repositories by theirs (`stale`, by repository), the released repository and the release
    approval channel's messages by the release stand-in, the Bot API under /telegram by the Telegram
    stand-in (which sees the paths the Bot API would), the rest by the platform stand-in."""

    url: str = ""
    github: GithubStandIn = field(default_factory=GithubStandIn)
    api: PlatformApi = field(default_factory=PlatformApi)
    github_calls: list[Received] = field(default_factory=list)
    telegram: BotApi = field(default_factory=BotApi)
    pulls: GitPullsStandIn | None = None
    stale: dict[str, StaleGithubStandIn] = field(default_factory=dict)
    release: ReleaseApi = field(default_factory=ReleaseApi)

    def _is_release(self, got: Received) -> bool:
        if got.path.startswith(f"/github/repos/{RELEASE_REPOSITORY}/"):
            return True
        # Only the release flow edits messages; it posts its request and thread in the approval channel.
        return got.path in ("/slack/api/chat.update", f"/discord/api/v10/channels/{DISCORD_CHANNEL}/messages") or (
            got.path == "/slack/api/chat.postMessage" and got.json().get("channel") == APPROVAL_CHANNEL)

    def answer(self, got: Received) -> tuple[int, Any, dict[str, str]]:
        if self._is_release(got):
            # Its links name the API's root: GitHub's is under /github here.
            root = got.headers["host"] + ("/github" if got.path.startswith("/github/") else "")
            # It plays Discord's REST API without the version in the path (as the edge test configures it).
            path = got.path.removeprefix("/github").replace("/discord/api/v10/", "/discord/api/", 1)
            status, payload = self.release.answer(got.method, path, got.body, root)
            return status, payload, {}
        if got.path.startswith(f"/github/repos/{PROJECT_REPOSITORY}/"):
            self.github_calls.append(got)
            path = got.path.removeprefix("/github")
            # Both stand-ins play the one project repository: pull requests over git, issues for triage.
            if self.pulls is not None and self.pulls.claims(path):
                status, payload = self.pulls.answer(got.method, path, got.body, got.query)
            else:
                status, payload = self.github.answer(got.method, path, got.body, urlencode(got.query, doseq=True))
            return status, payload, {}
        stale = next((stand_in for repository, stand_in in self.stale.items()
                      if got.path.startswith(f"/github/repos/{repository}/")), None)
        if stale is not None:
            return stale.answer(dataclasses.replace(got, path=got.path.removeprefix("/github")))
        if got.path.startswith("/telegram/"):
            return self.telegram.answer(dataclasses.replace(got, path=got.path.removeprefix("/telegram")))
        return (*self.api.answer(got), {})


@dataclass
class Cloud:
    rehearsal: CloudRehearsal
    stack: Stack
    session: boto3.session.Session
    endpoint: str
    platforms: Platforms
    aoss: AossStandIn
    embeddings: EmbeddingsServer
    secrets: dict[str, str]

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint)


def _free_udp_port() -> socket.socket:
    """A bound UDP socket standing in for the X-Ray daemon (segments are sent and dropped)."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    return sink


@contextmanager
def cloud_world(sam_build: Path, scratch: Path) -> Iterator[Cloud]:
    """Stand the rehearsal up around the build in `sam_build`; everything stops on exit."""
    with pytest.MonkeyPatch.context() as env:
        # This machine's AWS configuration must not leak into the rehearsal.
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        session = boto3.session.Session(aws_access_key_id="operator", aws_secret_access_key="operator",
                                         region_name=REGION)
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    endpoint = "http://{}:{}".format(*moto.get_host_and_port())
    osmem = OsmemServer.start(freeze=False, japanese=False)
    knn = KnnBackend(osmem.url).start()
    aoss = AossStandIn(knn.url, credentials=ROLE_CREDENTIALS, region=REGION).start()
    embeddings = EmbeddingsServer(OPERATOR_SECRETS["llm_api_key"]).start()
    gguf = resolve_gguf(None, None, scratch / "models")
    llm = LocalLlmServer(gguf.path, model="rehearsal-chat", log_path=scratch / "llm-server.log").start()
    platforms = Platforms()
    platforms.url, platform_server = start_stand_in(platforms.answer)
    platforms.github.url = f"{platforms.url}/github"
    platforms.api.url = platforms.url
    xray = _free_udp_port()
    rehearsal = None
    try:
        built = load_template(sam_build / "template.yaml")
        parameters = {
            "Stage": STAGE,
            "LlmBaseUrl": llm.base_url,
            "LlmModel": llm.model,
            "EmbeddingModel": embeddings.model,
            "EmbeddingBaseUrl": embeddings.base_url,
            "EmbeddingDimension": str(embeddings.dimension),
            "GithubBotLogin": BOT_LOGIN,
            "DiscordApplicationId": DISCORD_APPLICATION_ID,
            "DiscourseUrl": f"{platforms.url}/discourse",
            "ProjectRepository": PROJECT_REPOSITORY,
            "ReindexTargets": json.dumps([KNOWLEDGE_SOURCE]),
            "DigestSlackChannel": DIGEST_CHANNEL,
            "TelegramBotUsername": TELEGRAM_BOT_USERNAME,
            "StaleRepositories": json.dumps(STALE_REPOSITORIES),
            "ReleaseApprovalSlackChannel": APPROVAL_CHANNEL,
            "ReleaseDiscourseCategory": str(RELEASE_CATEGORY),
            # Announcements (the digest's and a release's) also go to the release stand-in's Discord channel.
            "DigestDiscordChannel": DISCORD_CHANNEL,
        }
        function_names = {name: f"{STACK}-{name}" for name, res in built["Resources"].items()
                          if res["Type"] == "AWS::Serverless::Function"}
        collection_host = f"{COLLECTION_ID}.{REGION}.aoss.amazonaws.com"
        aoss_port = aoss.url.rsplit(":", 1)[1]
        played_refs = {**function_names, "SearchCollection": COLLECTION_ID, "HttpApi": "rehearsalapi"}
        played_attributes = {f"{name}.Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}"
                             for name, physical in function_names.items()}
        played_attributes.update({
            "SearchCollection.Arn": f"arn:aws:aoss:{REGION}:{ACCOUNT}:collection/{COLLECTION_ID}",
            # The real endpoint is https on 443; the stand-in listens on plain HTTP on its own port.
            "SearchCollection.CollectionEndpoint": f"http://{collection_host}:{aoss_port}",
        })
        # The template as built, so the stack and the functions come from the same moment.
        stack = deploy(sam_build / "template.yaml", session, endpoint, parameters, played_refs, played_attributes,
                       STACK)
        secrets = _fill_the_secret(session, endpoint, stack)
        # The one compression of time: a failed message returns after 2 seconds, not 12 minutes.
        session.client("sqs", endpoint_url=endpoint).set_queue_attributes(
            QueueUrl=stack.refs["WorkQueue"], Attributes={"VisibilityTimeout": "2"})
        layers = {name: name for name, res in built["Resources"].items()
                  if res["Type"] == "AWS::Serverless::LayerVersion"}
        resolver = Resolver(built, refs={**stack.refs, **layers, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                                         "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
                                         "AWS::StackName": STACK},
                            attributes=stack.attributes, parameters=parameters)
        lambda_env = {
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ROLE_CREDENTIALS.access_key,
            "AWS_SECRET_ACCESS_KEY": ROLE_CREDENTIALS.secret_key,
            "AWS_SESSION_TOKEN": ROLE_CREDENTIALS.token or "",
            # The AWS network of the rehearsal: every AWS SDK call goes to moto.
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{xray.getsockname()[1]}",
            "_AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1",
            "_AWS_XRAY_DAEMON_PORT": str(xray.getsockname()[1]),
        }
        # The platforms' public APIs, reached at the stand-ins (the settings exist for proxies and
        # GitHub Enterprise; a deployment leaves them at their defaults).
        network_env = {
            "DEVREL_GITHUB_API_URL": f"{platforms.url}/github",
            "DEVREL_SLACK_API_URL": f"{platforms.url}/slack/api/",
            "DEVREL_DISCORD_API_URL": f"{platforms.url}/discord/api/v10",
            "DEVREL_TELEGRAM_API_URL": f"{platforms.url}/telegram",
        }
        rehearsal = CloudRehearsal(sam_build, built, stack, resolver, session, endpoint, scratch, lambda_env,
                                   network_env, {collection_host: "127.0.0.1"}, function_names)
        rehearsal.start_event_source_mappings()
        rehearsal.start_state_machine_driver()
        yield Cloud(rehearsal, stack, session, endpoint, platforms, aoss, embeddings, secrets)
    finally:
        if rehearsal is not None:
            rehearsal.close()
        platform_server.shutdown()
        platform_server.server_close()
        xray.close()
        llm.stop()
        embeddings.stop()
        aoss.stop()
        knn.stop()
        osmem.close()
        moto.stop()


def _fill_the_secret(session: boto3.session.Session, endpoint: str, stack: Stack) -> dict[str, str]:
    """What the README tells an operator to do after the first deploy: keep the generated webhook
    secret, fill in the other keys of the secret's JSON."""
    client = session.client("secretsmanager", endpoint_url=endpoint)
    current = json.loads(client.get_secret_value(SecretId=stack.refs["DevRelSecrets"])["SecretString"])
    # (That the template's secret holds every key of SECRET_NAMES is test_cloud_contract's job.)
    assert current["github_webhook_secret"], "the webhook secret was not generated"
    filled = {**current, **OPERATOR_SECRETS}
    client.put_secret_value(SecretId=stack.refs["DevRelSecrets"], SecretString=json.dumps(filled))
    return filled
