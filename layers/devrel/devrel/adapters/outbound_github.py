"""GitHub replies with PyGithub: issue and pull request comments over REST, discussion comments
over GraphQL. Authenticates as a GitHub App (installation tokens, cached by PyGithub until they
expire) or with a personal token; the API base URL is configurable (GitHub Enterprise, tests)."""

from __future__ import annotations

import threading
from typing import Any

import requests
from github import (
    Auth,
    Github,
    GithubException,
    GithubIntegration,
    GithubRetry,
    RateLimitExceededException,
)

from devrel.events import GithubAddress, InboundEvent, Reply
from devrel.platforms.github import reply_body
from devrel.platforms.outbound import PlatformError, is_retryable_status

_DISCUSSION_ID = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) { discussion(number: $number) { id } }
}"""
_ADD_DISCUSSION_COMMENT = """
mutation($discussion: ID!, $body: String!) {
  addDiscussionComment(input: {discussionId: $discussion, body: $body}) { comment { id url } }
}"""


class GithubPlatform:
    name = "github"

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        app_id: str | None = None,
        private_key: str | None = None,
        timeout: int = 15,
        seconds_between_requests: float = 0.0,
        seconds_between_writes: float = 1.0,
    ) -> None:
        if not token and not (app_id and private_key):
            raise ValueError("GitHub needs a token, or an app id with its private key")
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        # PyGithub's own throttle, per client (one account): see Settings.github_seconds_between_*.
        self._spacing = {"seconds_between_requests": seconds_between_requests or None,
                         "seconds_between_writes": seconds_between_writes or None}
        self._token = token
        self._app_auth = Auth.AppAuth(app_id, private_key) if app_id and private_key and not token else None
        self._clients: dict[int | None, Github] = {}
        self._lock = threading.Lock()

    def _options(self) -> dict[str, Any]:
        # A couple of quick retries; longer outages go back to the work queue.
        retry = GithubRetry(total=2, backoff_factor=0.2, max_rate_limit_wait=30)
        return {"base_url": self._base_url, "timeout": self._timeout, "retry": retry, "lazy": True, **self._spacing}

    def client(self, repository: str, installation_id: int | None) -> Github:
        """A client for the installation that covers `repository` (App mode) or the token client."""
        key = None if self._app_auth is None else installation_id or self._installation_for(repository)
        with self._lock:
            if key not in self._clients:
                auth: Auth.Auth
                if self._app_auth is None:
                    assert self._token is not None
                    auth = Auth.Token(self._token)
                else:
                    assert key is not None
                    auth = self._app_auth.get_installation_auth(key)
                client = Github(auth=auth, **self._options())
                if self._spacing["seconds_between_writes"]:
                    _serialize_writes(client)
                self._clients[key] = client
            return self._clients[key]

    def _installation_for(self, repository: str) -> int:
        owner, _, name = repository.partition("/")
        integration = GithubIntegration(auth=self._app_auth, base_url=self._base_url)
        return int(call_github(lambda: integration.get_repo_installation(owner, name)).id)

    def post_reply(self, event: InboundEvent, reply: Reply) -> str:
        to = event.reply_to
        if not isinstance(to, GithubAddress) or not to.repository or to.number is None:
            raise PlatformError("github", "event has no repository and number to answer on", retryable=False)
        repository, number = to.repository, to.number
        body = reply_body(reply)
        gh = self.client(repository, to.installation_id)
        if to.discussion:
            return self._discussion_comment(gh, str(repository), int(number), body)
        issue = gh.get_repo(str(repository)).get_issue(int(number))
        comment = call_github(lambda: issue.create_comment(body))
        return str(comment.id)

    def _discussion_comment(self, gh: Github, repository: str, number: int, body: str) -> str:
        owner, _, name = repository.partition("/")
        requester = gh.requester
        _, found = call_github(
            lambda: requester.graphql_query(_DISCUSSION_ID, {"owner": owner, "name": name, "number": number})
        )
        discussion = (((found.get("data") or {}).get("repository") or {}).get("discussion") or {}).get("id")
        if not discussion:
            raise PlatformError("github", f"discussion {repository}#{number} not found", retryable=False)
        _, added = call_github(
            lambda: requester.graphql_query(_ADD_DISCUSSION_COMMENT, {"discussion": discussion, "body": body})
        )
        comment = ((added.get("data") or {}).get("addDiscussionComment") or {}).get("comment") or {}
        return str(comment.get("id", ""))


# The requester's entry points that send a request; each takes the HTTP verb first.
_SENDING = ("requestJsonAndCheck", "requestJson", "requestMultipartAndCheck", "requestBlobAndCheck")


def _serialize_writes(client: Github) -> None:
    """One write at a time per client. PyGithub spaces a client's writes by reading the time of the
    last one, but not under a lock: worker threads writing together all saw the same last write and
    sent at once, so GitHub's second between writes held for one worker only."""
    requester = client.requester
    lock = threading.RLock()  # re-entrant: requestJsonAndCheck calls requestJson
    for name in _SENDING:
        send = getattr(requester, name, None)
        if send is None:
            continue

        def one_write_at_a_time(verb: str, *args: Any, _send: Any = send, **kwargs: Any) -> Any:
            if verb in ("GET", "HEAD"):
                return _send(verb, *args, **kwargs)
            with lock:
                return _send(verb, *args, **kwargs)

        setattr(requester, name, one_write_at_a_time)


def call_github(action: Any) -> Any:
    """Run one PyGithub call, turning its failures into PlatformError by HTTP status."""
    try:
        return action()
    except GithubException as error:
        status = int(error.status or 0)
        # A primary or secondary rate limit arrives as a 403 or 429 RateLimitExceededException.
        retryable = is_retryable_status(status) or isinstance(error, RateLimitExceededException)
        message = f"HTTP {status}: {error.data}"
        raise PlatformError("github", message, retryable=retryable, status=status) from error
    except requests.RequestException as error:
        raise PlatformError("github", str(error), retryable=True) from error
