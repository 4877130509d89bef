"""What the assistant says to a person outside its answers, in each language it is written in.

`say(key, language, **values)`: a key's text in the person's language (their profile's, else detected from
what they wrote), English for any other language. Commands, field names and URLs stay as typed, since they
are what the person sends back. The welcome, reminder, congratulations and the answers' own phrases keep
their tables next to their code (usecases/onboarding.py, first_contribution.py, handoff.py,
knowledge/answering.py); a unit test checks every key used anywhere has all LANGUAGES with the same fields.
"""

from __future__ import annotations

import string

LANGUAGES = ("en", "es", "fr", "de", "pt")

MESSAGES: dict[str, dict[str, str]] = {
    # --- self-service: profile, link, forget (usecases/people.py) ---------------------------------------
    "people.rate_limited": {
        "en": "You've sent several of these requests; please try again in {minutes} minutes.",
        "es": "Has enviado varias de estas solicitudes; vuelve a intentarlo dentro de {minutes} minutos.",
        "fr": "Vous avez envoyé plusieurs de ces demandes ; réessayez dans {minutes} minutes.",
        "de": "Du hast mehrere dieser Anfragen gesendet; bitte versuche es in {minutes} Minuten noch einmal.",
        "pt": "Você enviou vários destes pedidos; tente de novo daqui a {minutes} minutos.",
    },
    "people.saved": {"en": "Saved.", "es": "Guardado.", "fr": "Enregistré.", "de": "Gespeichert.",
                     "pt": "Salvo."},
    "people.profile": {
        "en": "Your profile{linked}:", "es": "Tu perfil{linked}:", "fr": "Votre profil{linked} :",
        "de": "Dein Profil{linked}:", "pt": "Seu perfil{linked}:",
    },
    "people.profile.linked": {
        "en": " (for your {count} linked accounts)", "es": " (para tus {count} cuentas vinculadas)",
        "fr": " (pour vos {count} comptes liés)", "de": " (für deine {count} verknüpften Konten)",
        "pt": " (para suas {count} contas vinculadas)",
    },
    "people.profile.not_set": {"en": "not set", "es": "sin definir", "fr": "non défini", "de": "nicht gesetzt",
                               "pt": "não definido"},
    "people.profile.detected": {
        "en": "not set (detected from what you write)", "es": "sin definir (se detecta en lo que escribes)",
        "fr": "non défini (détecté d'après ce que vous écrivez)",
        "de": "nicht gesetzt (aus dem erkannt, was du schreibst)",
        "pt": "não definido (detectado pelo que você escreve)",
    },
    "people.profile.change": {
        "en": "To change it, set it with `{example}` (any of them; `language=auto` goes back to detecting it from "
              "what you write); experience is one of {levels}.",
        "es": "Para cambiarlo, usa `{example}` (cualquiera de ellos; `language=auto` vuelve a detectarlo en lo que "
              "escribes); experience es uno de {levels}.",
        "fr": "Pour le modifier, envoyez `{example}` (n'importe lesquels ; `language=auto` revient à la détection "
              "d'après ce que vous écrivez) ; experience est l'un de {levels}.",
        "de": "Zum Ändern sende `{example}` (beliebige davon; `language=auto` erkennt die Sprache wieder aus dem, "
              "was du schreibst); experience ist eines von {levels}.",
        "pt": "Para mudar, envie `{example}` (qualquer um deles; `language=auto` volta a detectar pelo que você "
              "escreve); experience é um de {levels}.",
    },
    "people.link.code": {
        "en": "Your link code: `{code}`. From your account on another platform, send {others}, or comment "
              "`devrel link {code}` on one of the project's GitHub issues, within {minutes} minutes. It works once; "
              "nothing is linked until then, and then your profile, conversations, `forget` and `export` cover both "
              "accounts. Keep it to yourself: whoever posts it first is linked to you.",
        "es": "Tu código de vinculación: `{code}`. Desde tu cuenta en otra plataforma, envía {others}, o comenta "
              "`devrel link {code}` en una de las issues del proyecto en GitHub, en menos de {minutes} minutos. Sirve "
              "una sola vez; hasta entonces no se vincula nada, y después tu perfil, tus conversaciones, `forget` y "
              "`export` abarcan ambas cuentas. No lo compartas: quien lo publique primero queda vinculado a ti.",
        "fr": "Votre code de liaison : `{code}`. Depuis votre compte sur une autre plateforme, envoyez {others}, ou "
              "commentez `devrel link {code}` sur l'une des issues GitHub du projet, dans les {minutes} minutes. Il ne "
              "sert qu'une fois ; rien n'est lié d'ici là, puis votre profil, vos conversations, `forget` et `export` "
              "couvrent les deux comptes. Gardez-le pour vous : qui le publie en premier est lié à vous.",
        "de": "Dein Verknüpfungscode: `{code}`. Sende von deinem Konto auf einer anderen Plattform {others} oder "
              "kommentiere `devrel link {code}` in einem GitHub-Issue des Projekts, innerhalb von {minutes} Minuten. "
              "Er gilt einmal; bis dahin wird nichts verknüpft, danach gelten dein Profil, deine Unterhaltungen, "
              "`forget` und `export` für beide Konten. Behalte ihn für dich: Wer ihn zuerst sendet, wird mit dir "
              "verknüpft.",
        "pt": "Seu código de vinculação: `{code}`. Da sua conta em outra plataforma, envie {others}, ou comente "
              "`devrel link {code}` em uma das issues do projeto no GitHub, em até {minutes} minutos. Vale uma vez; "
              "nada é vinculado até lá, e depois seu perfil, suas conversas, `forget` e `export` cobrem as duas "
              "contas. Guarde-o para você: quem o publicar primeiro fica vinculado a você.",
    },
    "people.or": {"en": "or", "es": "o", "fr": "ou", "de": "oder", "pt": "ou"},
    "people.link.refused": {
        "en": "That code can't be used. Codes work once, for a few minutes, and only from an account on another "
              "platform than the one that asked for it: ask for a new one with `link` there.",
        "es": "Ese código no se puede usar. Los códigos sirven una vez, durante unos minutos, y solo desde una cuenta "
              "en otra plataforma que la que lo pidió: pide uno nuevo con `link` allí.",
        "fr": "Ce code ne peut pas être utilisé. Un code sert une fois, quelques minutes, et seulement depuis un "
              "compte sur une autre plateforme que celle qui l'a demandé : demandez-en un nouveau avec `link` là-bas.",
        "de": "Dieser Code kann nicht verwendet werden. Codes gelten einmal, für wenige Minuten, und nur von einem "
              "Konto auf einer anderen Plattform als der, die ihn angefordert hat: Fordere dort mit `link` einen "
              "neuen an.",
        "pt": "Esse código não pode ser usado. Os códigos valem uma vez, por poucos minutos, e só a partir de uma "
              "conta em outra plataforma que não a que o pediu: peça um novo com `link` lá.",
    },
    "people.link.github": {
        "en": "Linked. The code is used up; you may delete your comment.",
        "es": "Vinculado. El código ya se usó; puedes borrar tu comentario.",
        "fr": "Lié. Le code est utilisé ; vous pouvez supprimer votre commentaire.",
        "de": "Verknüpft. Der Code ist verbraucht; du kannst deinen Kommentar löschen.",
        "pt": "Vinculado. O código foi usado; você pode apagar seu comentário.",
    },
    "people.link.done": {
        "en": "Linked: your accounts on {platforms} are one person to the assistant now. Your profile and "
              "conversations follow you across them, and `forget` on any of them forgets them all.",
        "es": "Vinculado: tus cuentas en {platforms} son ahora una sola persona para el asistente. Tu perfil y tus "
              "conversaciones te siguen entre ellas, y `forget` en cualquiera las olvida todas.",
        "fr": "Lié : vos comptes sur {platforms} sont désormais une seule personne pour l'assistant. Votre profil et "
              "vos conversations vous suivent de l'un à l'autre, et `forget` sur l'un d'eux les oublie tous.",
        "de": "Verknüpft: Deine Konten auf {platforms} sind für den Assistenten jetzt eine Person. Dein Profil und "
              "deine Unterhaltungen folgen dir über alle, und `forget` auf einem davon vergisst sie alle.",
        "pt": "Vinculado: suas contas em {platforms} agora são uma só pessoa para o assistente. Seu perfil e suas "
              "conversas acompanham você entre elas, e `forget` em qualquer uma esquece todas.",
    },
    "people.forget.ask": {
        "en": "This deletes what the assistant keeps about you here{also}: your conversations with it, questions "
              "kept for maintainers, your onboarding, profile and links; in the event log and the activity log you "
              "become an anonymous alias, so the community's counts stay right. It cannot be undone. To go ahead, "
              "send `{command}` within {minutes} minutes.",
        "es": "Esto borra lo que el asistente guarda sobre ti aquí{also}: tus conversaciones con él, preguntas "
              "guardadas para el equipo, tu bienvenida, perfil y vínculos; en el registro de eventos y de actividad "
              "pasas a ser un alias anónimo, para que las cifras de la comunidad sigan siendo correctas. No se puede "
              "deshacer. Para continuar, envía `{command}` en menos de {minutes} minutos.",
        "fr": "Ceci supprime ce que l'assistant garde sur vous ici{also} : vos conversations avec lui, les questions "
              "gardées pour l'équipe, votre accueil, votre profil et vos liens ; dans le journal des événements et "
              "d'activité vous devenez un alias anonyme, pour que les chiffres de la communauté restent justes. "
              "C'est irréversible. Pour continuer, envoyez `{command}` dans les {minutes} minutes.",
        "de": "Damit wird gelöscht, was der Assistent hier über dich speichert{also}: deine Unterhaltungen mit ihm, "
              "für das Team aufbewahrte Fragen, dein Onboarding, Profil und deine Verknüpfungen; im Ereignis- und "
              "Aktivitätsprotokoll wirst du zu einem anonymen Alias, damit die Zahlen der Community stimmen. Das "
              "lässt sich nicht rückgängig machen. Um fortzufahren, sende `{command}` innerhalb von {minutes} "
              "Minuten.",
        "pt": "Isto apaga o que o assistente guarda sobre você aqui{also}: suas conversas com ele, perguntas "
              "guardadas para a equipe, sua integração, perfil e vínculos; no registro de eventos e de atividade "
              "você vira um apelido anônimo, para que os números da comunidade continuem certos. Não dá para "
              "desfazer. Para continuar, envie `{command}` em até {minutes} minutos.",
    },
    "people.forget.also_one": {
        "en": " and on the 1 account you linked to this one", "es": " y en la cuenta que vinculaste a esta",
        "fr": " et sur le compte que vous avez lié à celui-ci",
        "de": " und auf dem Konto, das du mit diesem verknüpft hast",
        "pt": " e na conta que você vinculou a esta",
    },
    "people.forget.also_many": {
        "en": " and on the {count} accounts you linked to this one",
        "es": " y en las {count} cuentas que vinculaste a esta",
        "fr": " et sur les {count} comptes que vous avez liés à celui-ci",
        "de": " und auf den {count} Konten, die du mit diesem verknüpft hast",
        "pt": " e nas {count} contas que você vinculou a esta",
    },
    "people.forget.nothing": {
        "en": "Nothing to confirm: send `{command}` first, then confirm within a few minutes.",
        "es": "Nada que confirmar: envía primero `{command}` y confirma en unos minutos.",
        "fr": "Rien à confirmer : envoyez d'abord `{command}`, puis confirmez dans les minutes qui suivent.",
        "de": "Nichts zu bestätigen: Sende zuerst `{command}` und bestätige dann innerhalb weniger Minuten.",
        "pt": "Nada a confirmar: envie primeiro `{command}` e confirme em poucos minutos.",
    },
    "people.forget.busy": {
        "en": "Too many people are being forgotten right now; please confirm again in {minutes} minutes.",
        "es": "Ahora mismo se está olvidando a demasiadas personas; confirma de nuevo dentro de {minutes} minutos.",
        "fr": "Trop de personnes sont oubliées en ce moment ; confirmez à nouveau dans {minutes} minutes.",
        "de": "Gerade werden zu viele Personen vergessen; bitte bestätige in {minutes} Minuten noch einmal.",
        "pt": "Muitas pessoas estão sendo esquecidas agora; confirme de novo daqui a {minutes} minutos.",
    },
    "people.forget.done": {
        "en": "Done: you are forgotten{accounts}. {deleted} records deleted and {anonymised} anonymised{runs}. "
              "Anything you write to the assistant from now on is new.",
        "es": "Hecho: has sido olvidado/a{accounts}. {deleted} registros borrados y {anonymised} anonimizados{runs}. "
              "Todo lo que escribas al asistente a partir de ahora es nuevo.",
        "fr": "C'est fait : vous êtes oublié(e){accounts}. {deleted} enregistrements supprimés et {anonymised} "
              "anonymisés{runs}. Tout ce que vous écrirez à l'assistant désormais repart de zéro.",
        "de": "Erledigt: Du bist vergessen{accounts}. {deleted} Einträge gelöscht und {anonymised} anonymisiert{runs}. "
              "Alles, was du dem Assistenten ab jetzt schreibst, ist neu.",
        "pt": "Pronto: você foi esquecido/a{accounts}. {deleted} registros apagados e {anonymised} anonimizados{runs}. "
              "Tudo o que você escrever ao assistente a partir de agora é novo.",
    },
    "people.forget.accounts": {
        "en": " across your {count} linked accounts", "es": " en tus {count} cuentas vinculadas",
        "fr": " sur vos {count} comptes liés", "de": " auf deinen {count} verknüpften Konten",
        "pt": " nas suas {count} contas vinculadas",
    },
    "people.forget.runs": {
        "en": ", {count} onboarding runs deleted", "es": ", {count} bienvenidas en curso borradas",
        "fr": ", {count} accueils en cours supprimés", "de": ", {count} laufende Onboardings gelöscht",
        "pt": ", {count} integrações em andamento apagadas",
    },
    # --- interests inferred from contributions (usecases/interests.py) -----------------------------------
    "people.interests.used": {
        "en": "Interests inferred from your contributions (used until you set yours):",
        "es": "Intereses deducidos de tus contribuciones (se usan hasta que definas los tuyos):",
        "fr": "Centres d'intérêt déduits de vos contributions (utilisés tant que vous n'avez pas défini les vôtres) :",
        "de": "Aus deinen Beiträgen abgeleitete Interessen (gelten, bis du eigene setzt):",
        "pt": "Interesses deduzidos das suas contribuições (usados até você definir os seus):",
    },
    "people.interests.unused": {
        "en": "Interests inferred from your contributions (not used: the ones you set win):",
        "es": "Intereses deducidos de tus contribuciones (no se usan: mandan los que definiste):",
        "fr": "Centres d'intérêt déduits de vos contributions (non utilisés : ceux que vous avez définis priment) :",
        "de": "Aus deinen Beiträgen abgeleitete Interessen (nicht verwendet: deine eigenen haben Vorrang):",
        "pt": "Interesses deduzidos das suas contribuições (não usados: valem os que você definiu):",
    },
    "people.interests.merged_one": {
        "en": "{count} merged pull request touching {via}", "es": "{count} pull request fusionada que toca {via}",
        "fr": "{count} pull request fusionnée touchant {via}", "de": "{count} gemergter Pull Request, der {via} ändert",
        "pt": "{count} pull request integrado que altera {via}",
    },
    "people.interests.merged_many": {
        "en": "{count} merged pull requests touching {via}", "es": "{count} pull requests fusionadas que tocan {via}",
        "fr": "{count} pull requests fusionnées touchant {via}",
        "de": "{count} gemergte Pull Requests, die {via} ändern",
        "pt": "{count} pull requests integrados que alteram {via}",
    },
    "people.interests.unmerged_one": {
        "en": "{count} pull request you opened (not merged) touching {via}",
        "es": "{count} pull request que abriste (sin fusionar) que toca {via}",
        "fr": "{count} pull request ouverte par vous (non fusionnée) touchant {via}",
        "de": "{count} von dir eröffneter Pull Request (nicht gemergt), der {via} ändert",
        "pt": "{count} pull request que você abriu (não integrado) que altera {via}",
    },
    "people.interests.unmerged_many": {
        "en": "{count} pull requests you opened (not merged) touching {via}",
        "es": "{count} pull requests que abriste (sin fusionar) que tocan {via}",
        "fr": "{count} pull requests ouvertes par vous (non fusionnées) touchant {via}",
        "de": "{count} von dir eröffnete Pull Requests (nicht gemergt), die {via} ändern",
        "pt": "{count} pull requests que você abriu (não integrados) que alteram {via}",
    },
    "people.interests.issues_one": {
        "en": "{count} issue you opened labelled {via}", "es": "{count} issue que abriste con la etiqueta {via}",
        "fr": "{count} issue ouverte par vous avec le label {via}",
        "de": "{count} von dir eröffnetes Issue mit dem Label {via}",
        "pt": "{count} issue que você abriu com o rótulo {via}",
    },
    "people.interests.issues_many": {
        "en": "{count} issues you opened labelled {via}", "es": "{count} issues que abriste con la etiqueta {via}",
        "fr": "{count} issues ouvertes par vous avec le label {via}",
        "de": "{count} von dir eröffnete Issues mit dem Label {via}",
        "pt": "{count} issues que você abriu com o rótulo {via}",
    },
    "people.interests.replace": {
        "en": "To replace them, send `{set}` with your own; `{off}` turns this inference off.",
        "es": "Para reemplazarlos, envía `{set}` con los tuyos; `{off}` desactiva esta deducción.",
        "fr": "Pour les remplacer, envoyez `{set}` avec les vôtres ; `{off}` désactive cette déduction.",
        "de": "Um sie zu ersetzen, sende `{set}` mit deinen eigenen; `{off}` schaltet diese Ableitung ab.",
        "pt": "Para substituí-los, envie `{set}` com os seus; `{off}` desativa esta dedução.",
    },
    "people.interests.off": {
        "en": "none (not inferred from your contributions; `{on}` infers them again)",
        "es": "ninguno (no se deducen de tus contribuciones; `{on}` vuelve a deducirlos)",
        "fr": "aucun (non déduits de vos contributions ; `{on}` les déduit à nouveau)",
        "de": "keine (nicht aus deinen Beiträgen abgeleitet; `{on}` leitet sie wieder ab)",
        "pt": "nenhum (não deduzidos das suas contribuições; `{on}` volta a deduzi-los)",
    },
    # --- hand-off to maintainers (usecases/handoff.py) ---------------------------------------------------
    "handoff.told": {
        "en": "I've already passed your question to the maintainers; one of them will follow up here.",
        "es": "Ya pasé tu pregunta al equipo del proyecto; alguien te responderá aquí.",
        "fr": "J'ai transmis votre question à l'équipe du projet ; quelqu'un vous répondra ici.",
        "de": "Ich habe deine Frage an das Projektteam weitergegeben; jemand meldet sich hier bei dir.",
        "pt": "Já passei sua pergunta para a equipe do projeto; alguém vai responder aqui.",
    },
    # --- triage comments, the lines addressed to the author (usecases/triage_steps.py) ------------
    "triage.thanks": {
        "en": "Thanks for the report!", "es": "¡Gracias por el reporte!", "fr": "Merci pour le signalement !",
        "de": "Danke für die Meldung!", "pt": "Obrigado pelo relato!",
    },
    "triage.thanks_named": {
        "en": "Thanks for the report, @{author}!", "es": "¡Gracias por el reporte, @{author}!",
        "fr": "Merci pour le signalement, @{author} !", "de": "Danke für die Meldung, @{author}!",
        "pt": "Obrigado pelo relato, @{author}!",
    },
    "triage.duplicate": {
        "en": "- Possibly a duplicate of {target} ('{title}', similarity {score}). If it is not, just say so and a "
              "maintainer will keep this open.",
        "es": "- Posible duplicado de {target} ('{title}', similitud {score}). Si no lo es, dilo y alguien del equipo "
              "la mantendrá abierta.",
        "fr": "- Doublon possible de {target} ('{title}', similarité {score}). Si ce n'en est pas un, dites-le et "
              "l'équipe la laissera ouverte.",
        "de": "- Möglicherweise ein Duplikat von {target} ('{title}', Ähnlichkeit {score}). Falls nicht, sag es "
              "einfach, dann bleibt es offen.",
        "pt": "- Possivelmente uma duplicata de {target} ('{title}', similaridade {score}). Se não for, é só dizer e "
              "alguém da equipe vai mantê-la aberta.",
    },
    "triage.please_add": {
        "en": "To help a maintainer look into this, could you add:",
        "es": "Para ayudar al equipo a revisarlo, ¿podrías añadir:",
        "fr": "Pour aider l'équipe à s'en occuper, pourriez-vous ajouter :",
        "de": "Damit sich das Team das ansehen kann, könntest du Folgendes ergänzen:",
        "pt": "Para ajudar a equipe a analisar, você poderia adicionar:",
    },
    "triage.add.version": {
        "en": "the version you are running (and your OS / Python version)",
        "es": "la versión que usas (y tu sistema operativo / versión de Python)",
        "fr": "la version que vous utilisez (et votre OS / version de Python)",
        "de": "die Version, die du verwendest (und dein Betriebssystem / deine Python-Version)",
        "pt": "a versão que você usa (e seu sistema operacional / versão do Python)",
    },
    "triage.add.reproduction": {
        "en": "the exact steps or a minimal code example that reproduces it",
        "es": "los pasos exactos o un ejemplo mínimo de código que lo reproduzca",
        "fr": "les étapes exactes ou un exemple de code minimal qui le reproduit",
        "de": "die genauen Schritte oder ein minimales Codebeispiel, das es reproduziert",
        "pt": "os passos exatos ou um exemplo mínimo de código que o reproduza",
    },
    "triage.add.expected_vs_actual": {
        "en": "what you expected to happen and what happened instead",
        "es": "qué esperabas que pasara y qué pasó en su lugar",
        "fr": "ce que vous attendiez et ce qui s'est passé à la place",
        "de": "was du erwartet hast und was stattdessen passiert ist",
        "pt": "o que você esperava que acontecesse e o que aconteceu no lugar",
    },
    "triage.add.logs": {
        "en": "the full error message or traceback, if there is one",
        "es": "el mensaje de error completo o el traceback, si lo hay",
        "fr": "le message d'erreur complet ou la trace, s'il y en a une",
        "de": "die vollständige Fehlermeldung oder den Traceback, falls es einen gibt",
        "pt": "a mensagem de erro completa ou o traceback, se houver",
    },
    "triage.add.use_case": {
        "en": "the problem this would solve for you (your use case)",
        "es": "el problema que esto te resolvería (tu caso de uso)",
        "fr": "le problème que cela résoudrait pour vous (votre cas d'usage)",
        "de": "das Problem, das dies für dich lösen würde (dein Anwendungsfall)",
        "pt": "o problema que isso resolveria para você (seu caso de uso)",
    },
    "triage.footer": {
        "en": "I am the project's triage assistant; a maintainer will review this.",
        "es": "Soy el asistente de triaje del proyecto; alguien del equipo lo revisará.",
        "fr": "Je suis l'assistant de tri du projet ; quelqu'un de l'équipe va relire ceci.",
        "de": "Ich bin der Triage-Assistent des Projekts; jemand aus dem Team sieht sich das an.",
        "pt": "Sou o assistente de triagem do projeto; alguém da equipe vai revisar isto.",
    },
    "security.thanks": {
        "en": "Thanks for the report.", "es": "Gracias por el reporte.", "fr": "Merci pour le signalement.",
        "de": "Danke für die Meldung.", "pt": "Obrigado pelo relato.",
    },
    "security.thanks_named": {
        "en": "Thanks for the report, @{author}.", "es": "Gracias por el reporte, @{author}.",
        "fr": "Merci pour le signalement, @{author}.", "de": "Danke für die Meldung, @{author}.",
        "pt": "Obrigado pelo relato, @{author}.",
    },
    "security.privately": {
        "en": "This may describe a security vulnerability, and those are best not discussed in public. Please report "
              "it privately as the project's security policy ([SECURITY.md]({policy})) describes, or through "
              "GitHub's [private vulnerability reporting]({advisory}).",
        "es": "Esto podría describir una vulnerabilidad de seguridad, y es mejor no tratarlas en público. Repórtala en "
              "privado como indica la política de seguridad del proyecto ([SECURITY.md]({policy})), o mediante el "
              "[reporte privado de vulnerabilidades]({advisory}) de GitHub.",
        "fr": "Ceci pourrait décrire une vulnérabilité de sécurité, et mieux vaut ne pas en discuter en public. "
              "Signalez-la en privé comme l'indique la politique de sécurité du projet ([SECURITY.md]({policy})), ou "
              "via le [signalement privé de vulnérabilités]({advisory}) de GitHub.",
        "de": "Dies könnte eine Sicherheitslücke beschreiben, und die bespricht man besser nicht öffentlich. Bitte "
              "melde sie vertraulich, wie es die Sicherheitsrichtlinie des Projekts ([SECURITY.md]({policy})) "
              "beschreibt, oder über GitHubs [private Meldung von Sicherheitslücken]({advisory}).",
        "pt": "Isto pode descrever uma vulnerabilidade de segurança, e é melhor não discuti-las em público. Relate-a "
              "em privado como descreve a política de segurança do projeto ([SECURITY.md]({policy})), ou pelo "
              "[relato privado de vulnerabilidades]({advisory}) do GitHub.",
    },
    "security.edit": {
        "en": "If you can, edit this issue to remove the details. The maintainers have been told privately. If this "
              "is not a security problem, just say so and a maintainer will take it from here.",
        "es": "Si puedes, edita esta issue para quitar los detalles. El equipo ya fue avisado en privado. Si no es un "
              "problema de seguridad, dilo y alguien del equipo se encargará.",
        "fr": "Si possible, modifiez cette issue pour en retirer les détails. L'équipe a été prévenue en privé. Si ce "
              "n'est pas un problème de sécurité, dites-le et l'équipe prendra le relais.",
        "de": "Wenn möglich, bearbeite dieses Issue und entferne die Details. Das Team wurde vertraulich informiert. "
              "Falls es kein Sicherheitsproblem ist, sag es einfach, dann übernimmt das Team.",
        "pt": "Se puder, edite esta issue para remover os detalhes. A equipe já foi avisada em privado. Se não for um "
              "problema de segurança, é só dizer e alguém da equipe assume daqui.",
    },
    # --- the weekly digest, in the language its channels speak (settings.digest_language; usecases/digest.py)
    "digest.quiet": {
        "en": "Weekly digest: a quiet week, no community activity recorded.",
        "es": "Resumen semanal: una semana tranquila, sin actividad de la comunidad registrada.",
        "fr": "Résumé de la semaine : une semaine calme, aucune activité de la communauté enregistrée.",
        "de": "Wochenrückblick: eine ruhige Woche, keine Aktivität der Community erfasst.",
        "pt": "Resumo semanal: uma semana tranquila, nenhuma atividade da comunidade registrada.",
    },
    "digest.title": {"en": "Weekly community digest", "es": "Resumen semanal de la comunidad",
                     "fr": "Résumé hebdomadaire de la communauté", "de": "Wöchentlicher Community-Rückblick",
                     "pt": "Resumo semanal da comunidade"},
    "digest.no_change": {"en": "(no change)", "es": "(sin cambios)", "fr": "(inchangé)", "de": "(unverändert)",
                         "pt": "(sem mudança)"},
    "digest.from_last_week": {
        "en": "({delta} from last week)", "es": "({delta} respecto a la semana pasada)",
        "fr": "({delta} par rapport à la semaine dernière)", "de": "({delta} gegenüber letzter Woche)",
        "pt": "({delta} em relação à semana passada)",
    },
    "digest.alert.first_response": {
        "en": "first responses take {hours} h (median), over the {threshold} h threshold",
        "es": "las primeras respuestas tardan {hours} h (mediana), por encima del umbral de {threshold} h",
        "fr": "les premières réponses prennent {hours} h (médiane), au-dessus du seuil de {threshold} h",
        "de": "erste Antworten dauern {hours} h (Median), über der Schwelle von {threshold} h",
        "pt": "as primeiras respostas levam {hours} h (mediana), acima do limite de {threshold} h",
    },
    "digest.alert.unanswered": {
        "en": "{count} questions are waiting for an answer, over the threshold of {threshold}",
        "es": "{count} preguntas esperan respuesta, por encima del umbral de {threshold}",
        "fr": "{count} questions attendent une réponse, au-dessus du seuil de {threshold}",
        "de": "{count} Fragen warten auf eine Antwort, über der Schwelle von {threshold}",
        "pt": "{count} perguntas aguardam resposta, acima do limite de {threshold}",
    },
    "digest.headline.first_response_hours_p50": {
        "en": "first response (median, hours)", "es": "primera respuesta (mediana, horas)",
        "fr": "première réponse (médiane, heures)", "de": "erste Antwort (Median, Stunden)",
        "pt": "primeira resposta (mediana, horas)",
    },
    "digest.headline.time_to_close_hours_p50": {
        "en": "time to close (median, hours)", "es": "tiempo hasta el cierre (mediana, horas)",
        "fr": "délai de clôture (médiane, heures)", "de": "Zeit bis zum Schließen (Median, Stunden)",
        "pt": "tempo até o fechamento (mediana, horas)",
    },
    "digest.headline.unanswered_now": {
        "en": "questions waiting for an answer", "es": "preguntas esperando respuesta",
        "fr": "questions en attente de réponse", "de": "Fragen, die auf eine Antwort warten",
        "pt": "perguntas aguardando resposta",
    },
    "digest.headline.active_contributors": {
        "en": "active contributors", "es": "personas contribuyendo activamente", "fr": "contributeurs actifs",
        "de": "aktive Mitwirkende", "pt": "contribuidores ativos",
    },
    "digest.headline.new_contributors": {
        "en": "new contributors", "es": "nuevas personas contribuyendo", "fr": "nouveaux contributeurs",
        "de": "neue Mitwirkende", "pt": "novos contribuidores",
    },
    "digest.headline.sentiment_mean": {"en": "mood (-1 to 1)", "es": "ánimo (-1 a 1)", "fr": "humeur (-1 à 1)",
                                       "de": "Stimmung (-1 bis 1)", "pt": "clima (-1 a 1)"},
    "digest.events": {"en": "{count} events ({top})", "es": "{count} eventos ({top})",
                      "fr": "{count} événements ({top})", "de": "{count} Ereignisse ({top})",
                      "pt": "{count} eventos ({top})"},
    "digest.newcomers": {"en": "newcomers welcomed: {count}", "es": "personas nuevas recibidas: {count}",
                         "fr": "nouveaux venus accueillis : {count}", "de": "begrüßte Neue: {count}",
                         "pt": "recém-chegados recebidos: {count}"},
    "digest.docs_gaps": {"en": "docs gaps: {gaps}", "es": "huecos en la documentación: {gaps}",
                         "fr": "lacunes de la documentation : {gaps}", "de": "Lücken in der Doku: {gaps}",
                         "pt": "lacunas na documentação: {gaps}"},
}


def say(key: str, language: str = "en", **values: object) -> str:
    """The message `key` in `language` (English when it is not written in that language), filled in."""
    texts = MESSAGES[key]
    return texts.get(language, texts["en"]).format(**values)


def fields(text: str) -> set[str]:
    """The placeholders of a template (every language of a key must have the same ones)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
