"""DevRel assistant: domain logic, ports, adapters and runtimes shared by every Lambda."""

__version__ = "0.1.0"
