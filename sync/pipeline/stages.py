"""Stage meanings from the CRM: a read field with `stage_metadata: true` gets its value map
from the pipelines the CRM describes, so a deal closed won in any pipeline (numeric stage
ids included) is a contract. The mapping's own `values` win stage by stage: an admin can
still say that a stage means something else."""

from __future__ import annotations

from mappings import Mapping
from sync.core.ports import CrmPort


def with_stage_meanings(mapping: Mapping, port: CrmPort) -> Mapping:
    """`mapping` with every `stage_metadata` field's values filled in from `port.stages`."""
    read = dict(mapping.read)
    for concept, spec in mapping.read.items():
        fields = dict(spec.fields)
        for name, field in spec.fields.items():
            if not field.stage_metadata:
                continue
            derived = {stage.stage_id: stage.status for stage in port.stages(spec.object)}
            fields[name] = field.model_copy(update={"values": derived | dict(field.values or {})})
        if fields != spec.fields:
            read[concept] = spec.model_copy(update={"fields": fields})
    return mapping if read == mapping.read else mapping.model_copy(update={"read": read})
