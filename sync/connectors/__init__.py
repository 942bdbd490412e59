"""CRM adapters: one package per CRM, each implementing `sync.core.ports.CrmPort`.

An adapter owns the wire (authentication, paging, batching, retries, limits, error codes)
and nothing else; the mapping names the objects and fields, the pipeline decides what to
read and write.
"""
