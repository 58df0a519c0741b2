"""forum-prep-bot: answers about SB 54, the TRUTH Act and public comment in Sacramento County."""
